/* reentrant_libc
 *
 * Guarantee: strtok_r() and localtime_r() keep their state in the caller's variables,
 * so threads tokenising and converting at once never see each other's results, with or
 * without the GIL.
 * How it could break: only if the reentrant functions kept hidden shared state; the GIL
 * plays no part.
 * Fix (this is the fix for nonreentrant_libc): call the _r versions, with the saved
 * position and the result struct local to the caller.
 *
 * The load is nonreentrant_libc's. Its lines sit in static slots so that a position
 * strtok leaves in another thread's line never dangles; strtok_r leaves none, so here
 * each thread's line is a local.
 */
#include "gilcompat.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

#define RL_TOKENS 8
#define RL_LINE 128

static long rl_wrong_tokens, rl_wrong_dates;    /* atomic: the evidence must not race */

/* Tokenise the thread's line and convert its date, `passes` times. */
void rl_parse(long thread, long passes)
{
    char line[RL_LINE] = "", text[RL_LINE], want[RL_TOKENS][16];
    for (int k = 0; k < RL_TOKENS; k++) {
        snprintf(want[k], sizeof want[k], "t%ldw%d", thread, k);
        strcat(strcat(line, k ? " " : ""), want[k]);
    }
    time_t when = (time_t)(thread + 1) * 37 * 86400;    /* a different day per thread */
    struct tm want_tm;
    localtime_r(&when, &want_tm);

    for (long p = 0; p < passes; p++) {
        long wrong = 0, k = 0;
        GC_ENTER();
        memcpy(text, line, sizeof line);
        char *saved;
        for (char *token = strtok_r(text, " ", &saved); token && k <= RL_TOKENS;
                token = strtok_r(NULL, " ", &saved), k++) {
            if (k == RL_TOKENS || strcmp(token, want[k]) != 0)
                wrong++;
            GC_SPIN();          /* work on the token: the window */
        }
        if (k != RL_TOKENS)
            wrong++;
        struct tm result, *tm = localtime_r(&when, &result);
        GC_SPIN();              /* the window */
        int date_ok = tm->tm_yday == want_tm.tm_yday && tm->tm_year == want_tm.tm_year;
        GC_EXIT();
        if (wrong)
            __atomic_fetch_add(&rl_wrong_tokens, wrong, __ATOMIC_RELAXED);
        if (!date_ok)
            __atomic_fetch_add(&rl_wrong_dates, 1, __ATOMIC_RELAXED);
    }
}

void rl_reset(void)
{
    __atomic_store_n(&rl_wrong_tokens, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&rl_wrong_dates, 0, __ATOMIC_RELAXED);
}

/* Evidence: 0 = wrong or missing tokens, 1 = wrong dates. */
long rl_wrong(long what)
{
    return __atomic_load_n(what ? &rl_wrong_dates : &rl_wrong_tokens, __ATOMIC_RELAXED);
}
