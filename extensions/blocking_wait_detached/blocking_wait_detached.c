/* blocking_wait_detached
 *
 * Guarantee: a C call that blocks in a wait with its thread state released
 * (Py_BEGIN_ALLOW_THREADS) lets every other thread run, with a GIL (it is released)
 * and without (a stop-the-world does not wait for a detached thread).
 * How it could break: only if a stop-the-world waited for detached threads, or
 * Py_BEGIN_ALLOW_THREADS kept the GIL.
 * Fix (this is the fix for blocking_wait_attached): the same family, with the wait
 * between Py_BEGIN_ALLOW_THREADS and Py_END_ALLOW_THREADS.
 */
#include "blocking_wait_attached_family.h"

long bw_wait(void)
{
    long result;
    GC_ENTER();
    Py_BEGIN_ALLOW_THREADS
    result = sem_wait(&bw_posted);      /* detached: others run, a stop-the-world goes on */
    Py_END_ALLOW_THREADS
    GC_EXIT();
    return result;
}
