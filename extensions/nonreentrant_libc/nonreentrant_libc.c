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
 * Each thread's line lives in a static slot of its own (not on its stack), so a
 * position left pointing into another thread's line never dangles.
 */
#include "gilcompat.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NL_SLOTS 16
#define NL_TOKENS 8
#define NL_LINE 128

static char nl_lines[NL_SLOTS][NL_LINE];    /* slot t: thread t's line, strtok's input */
static long nl_wrong_tokens, nl_wrong_dates;    /* atomic: the evidence must not race */

/* Tokenise the thread's line and convert its date, `passes` times. */
void nl_parse(long thread, long passes)
{
    long slot = (unsigned long)thread % NL_SLOTS;
    char line[NL_LINE] = "", want[NL_TOKENS][16];
    for (int k = 0; k < NL_TOKENS; k++) {
        snprintf(want[k], sizeof want[k], "t%ldw%d", thread, k);
        strcat(strcat(line, k ? " " : ""), want[k]);
    }
    time_t when = (time_t)(thread + 1) * 37 * 86400;    /* a different day per thread */
    struct tm want_tm;
    localtime_r(&when, &want_tm);

    for (long p = 0; p < passes; p++) {
        long wrong = 0, k = 0;
        GC_ENTER();
        memcpy(nl_lines[slot], line, sizeof line);
        for (char *token = strtok(nl_lines[slot], " "); token && k <= NL_TOKENS;
                token = strtok(NULL, " "), k++) {
            if (k == NL_TOKENS || strcmp(token, want[k]) != 0)
                wrong++;
            GC_SPIN();          /* work on the token: the window */
        }
        if (k != NL_TOKENS)
            wrong++;
        struct tm *tm = localtime(&when);
        GC_SPIN();              /* the window */
        int date_ok = tm->tm_yday == want_tm.tm_yday && tm->tm_year == want_tm.tm_year;
        GC_EXIT();
        if (wrong)
            __atomic_fetch_add(&nl_wrong_tokens, wrong, __ATOMIC_RELAXED);
        if (!date_ok)
            __atomic_fetch_add(&nl_wrong_dates, 1, __ATOMIC_RELAXED);
    }
}

void nl_reset(void)
{
    __atomic_store_n(&nl_wrong_tokens, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&nl_wrong_dates, 0, __ATOMIC_RELAXED);
}

/* Evidence: 0 = wrong or missing tokens, 1 = wrong dates. */
long nl_wrong(long what)
{
    return __atomic_load_n(what ? &nl_wrong_dates : &nl_wrong_tokens, __ATOMIC_RELAXED);
}
