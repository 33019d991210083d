/* nonreentrant_libc
 *
 * Guarantee: libc functions that keep hidden static state (strtok's saved position,
 * localtime's result buffer), called inside PyGILState_Ensure(), serve one thread at a
 * time: the GIL keeps every other thread out between the calls.
 * How it breaks: with the GIL off another thread's strtok() moves the shared position
 * into its own line, and another thread's localtime() overwrites the shared result
 * during the spin: a thread gets another thread's tokens and date.
 * Fix: the reentrant versions, strtok_r() and localtime_r(), which keep the state in
 * the caller's variables (reentrant_libc). Twin: reentrant_libc.
 *
 * The lines, the passes and the evidence are the family's
 * (nonreentrant_libc_family.c); this file holds only the calls the GIL covered. Each
 * thread's line is cut up in a static slot of its own (not on its stack), so a position
 * left pointing into another thread's line never dangles.
 */
#include <string.h>
#include "nonreentrant_libc_family.h"

#define NL_SLOTS 16

static char nl_lines[NL_SLOTS][NL_LINE];    /* slot t: thread t's line, strtok's input */

char *nl_text(long thread, char *local)
{
    (void)local;
    return nl_lines[(unsigned long)thread % NL_SLOTS];
}

char *nl_token(char *text, char **saved)
{
    (void)saved;
    return strtok(text, " ");       /* the position: static, shared by every thread */
}

struct tm *nl_date(const time_t *when, struct tm *result)
{
    (void)result;
    return localtime(when);         /* the result: static, shared by every thread */
}
