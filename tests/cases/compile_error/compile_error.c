/* compile_error (test fixture, not a corpus case)
 *
 * Guarantee: none; this case exists to prove a compile error is an `error` outcome
 * carrying the compiler's message, and that the run goes on.
 * How it breaks: the function below does not compile.
 * Fix: not applicable.
 */
#include "gilcompat.h"

long ce_value(void)
{
    return this_identifier_is_not_declared;
}
