/* crash_on_call (test fixture, not a corpus case)
 *
 * Guarantee: none; this case exists to prove the harness reports a real crash.
 * How it breaks: cc_crash() writes through a null pointer: SIGSEGV in the child.
 * Fix: not applicable.
 */
#include "gilcompat.h"

void cc_crash(long when)
{
    if (when >= 0) {
        volatile int *nowhere = (volatile int *)(uintptr_t)0;
        *nowhere = 1;
    }
}
