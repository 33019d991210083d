/* pymutex_counter
 *
 * Guarantee: a C global read, modified and written back under a PyMutex of its own
 * is never updated by two threads at once, whether or not there is a GIL.
 * How it could break: only if PyMutex failed as a mutex; the GIL plays no part.
 * Fix (this is the fix for global_counter): the counter has its own lock instead of
 * leaning on the GIL. PyMutex needs 3.13; older Pythons skip this case (min_python).
 */
#include "gilcompat.h"

#if !GC_HAVE_313_API
#  error "pymutex_counter needs PyMutex (CPython 3.13+)"
#endif

static long counter;
static PyMutex counter_lock;    /* zero-initialised: unlocked */

void pm_reset(void)
{
    PyMutex_Lock(&counter_lock);
    counter = 0;
    PyMutex_Unlock(&counter_lock);
}

void pm_increment(long times)
{
    for (long i = 0; i < times; i++) {
        GC_ENTER();
        PyMutex_Lock(&counter_lock);
        long seen = counter;
        GC_SPIN();
        counter = seen + 1;
        PyMutex_Unlock(&counter_lock);
        GC_EXIT();
    }
}

long pm_value(void)
{
    PyMutex_Lock(&counter_lock);
    long value = counter;
    PyMutex_Unlock(&counter_lock);
    return value;
}
