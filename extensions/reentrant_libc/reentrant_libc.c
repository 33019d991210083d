/* reentrant_libc
 *
 * Guarantee: strtok_r() and localtime_r() keep their state in the caller's variables,
 * so threads tokenising and converting at once never see each other's results, with or
 * without the GIL.
 * How it could break: only if the reentrant functions kept hidden shared state; the GIL
 * plays no part.
 * Fix (this is the fix for nonreentrant_libc): the same family, calling the _r
 * versions, with the saved position and the result struct local to the caller.
 * strtok_r leaves no position in another thread's line, so each thread's line is cut up
 * in a local of its own.
 */
#include <string.h>
#include "nonreentrant_libc_family.h"

char *nl_text(long thread, char *local)
{
    (void)thread;
    return local;
}

char *nl_token(char *text, char **saved)
{
    return strtok_r(text, " ", saved);
}

struct tm *nl_date(const time_t *when, struct tm *result)
{
    return localtime_r(when, result);
}
