/* never_breaks (test fixture, not a corpus case)
 *
 * Guarantee: none of its own. Filed as gil-reliant, so its gil0 cells expect a break,
 * but a pthread mutex guards the counter: they always hold, and are `undetected`.
 * How it breaks: it does not.
 * Fix: not applicable; the harness's tests use it for a cell that misses its break.
 */
#include <pthread.h>
#include "gilcompat.h"

static pthread_mutex_t guard = PTHREAD_MUTEX_INITIALIZER;
static long counter;

void nb_reset(void)
{
    counter = 0;
}

void nb_increment(long times)
{
    for (long i = 0; i < times; i++) {
        pthread_mutex_lock(&guard);
        counter++;
        pthread_mutex_unlock(&guard);
    }
}

long nb_value(void)
{
    return counter;
}
