/* nonreentrant_libc family: what the members share. The scaffolding
 * (nonreentrant_libc_family.c) builds each thread's line and date, runs the passes and
 * counts wrong tokens and dates; each member defines where a thread's line is cut up
 * and how it is tokenised and its date converted: the hazard (nonreentrant_libc.c,
 * strtok and localtime) or its fix (reentrant_libc, strtok_r and localtime_r). */
#include "gilcompat.h"
#include <time.h>

#define NL_LINE 128

/* Where `thread` cuts up its copy of its line: `local` (NL_LINE chars, the caller's)
 * or storage of the member's own. */
char *nl_text(long thread, char *local);
/* The first token of `text`, or with text NULL the next one; `saved` is the caller's. */
char *nl_token(char *text, char **saved);
/* `when` as a local date: in `result` (the caller's) or in storage of the function's. */
struct tm *nl_date(const time_t *when, struct tm *result);
