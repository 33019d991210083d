/* nonreentrant_libc family scaffolding: each thread's line (its own tokens) and date
 * (its own day), the passes (each under GC_ENTER, as a capi face's call holds the GIL)
 * and the evidence; tokenising and converting are the member's (nl_token, nl_date). */
#include <stdio.h>
#include <string.h>
#include "nonreentrant_libc_family.h"

#define NL_TOKENS 8

static long nl_wrong_tokens, nl_wrong_dates;    /* atomic: the evidence must not race */

/* Tokenise the thread's line and convert its date, `passes` times. */
void nl_parse(long thread, long passes)
{
    char line[NL_LINE] = "", local[NL_LINE], want[NL_TOKENS][16];
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
        char *text = nl_text(thread, local), *saved = NULL;
        memcpy(text, line, sizeof line);
        for (char *token = nl_token(text, &saved); token && k <= NL_TOKENS;
                token = nl_token(NULL, &saved), k++) {
            if (k == NL_TOKENS || strcmp(token, want[k]) != 0)
                wrong++;
            GC_SPIN();          /* work on the token: the window */
        }
        if (k != NL_TOKENS)
            wrong++;
        struct tm result, *tm = nl_date(&when, &result);
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
