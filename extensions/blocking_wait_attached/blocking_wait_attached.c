/* blocking_wait_attached
 *
 * Guarantee (that never held): a C call may block in a wait (here sem_wait) with its
 * thread state attached, and the thread that will wake it can still run.
 * How it breaks, in every build: with a GIL the waiting thread holds it, so the waker
 * never gets to run Python code at all; without one the waker's gc.collect() stops the
 * world, which waits for every attached thread, and the waiting one never detaches.
 * Either way: deadlock.
 * Fix: release around the wait, Py_BEGIN_ALLOW_THREADS ... Py_END_ALLOW_THREADS
 * (blocking_wait_detached): a detached thread does not hold the GIL and is not waited
 * for by a stop-the-world.
 */
#include "blocking_wait_attached_family.h"

long bw_wait(void)
{
    long result;
    GC_ENTER();                         /* attached (with a GIL: holding it) */
    result = sem_wait(&bw_posted);
    GC_EXIT();
    return result;
}
