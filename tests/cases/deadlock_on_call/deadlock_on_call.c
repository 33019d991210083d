/* deadlock_on_call (test fixture, not a corpus case)
 *
 * Guarantee: none; this case exists to prove the harness reports a real deadlock.
 * How it breaks: dl_wait() waits on a semaphore nobody posts, with the GIL released
 * so the interpreter's other threads go on (and then wait too): every thread sleeps.
 * Fix: not applicable.
 */
#include "gilcompat.h"
#include <semaphore.h>

static sem_t never_posted;
static int initialised;

void dl_wait(long unused)
{
    (void)unused;
    GC_ENTER();    /* so that the release below is legal in every face */
    Py_BEGIN_ALLOW_THREADS
    if (!__atomic_exchange_n(&initialised, 1, __ATOMIC_SEQ_CST)) {
        sem_init(&never_posted, 0, 0);
    }
    sem_wait(&never_posted);
    Py_END_ALLOW_THREADS
    GC_EXIT();
}
