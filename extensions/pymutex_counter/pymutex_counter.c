/* pymutex_counter
 *
 * Guarantee: a C global read, modified and written back under a PyMutex of its own
 * is never updated by two threads at once, whether or not there is a GIL, and however
 * many interpreters share it.
 * How it could break: only if PyMutex failed as a mutex; the GIL plays no part.
 * Fix (this is the fix for global_counter): the same family, the counter with its own
 * lock instead of leaning on the GIL. PyMutex needs 3.13; older Pythons skip this case
 * (min_python).
 */
#include "global_counter_family.h"

#if !GC_HAVE_313_API
#  error "pymutex_counter needs PyMutex (CPython 3.13+)"
#endif

static long counter;
static PyMutex counter_lock;    /* zero-initialised: unlocked */

void gc_reset(void)
{
    PyMutex_Lock(&counter_lock);
    counter = 0;
    PyMutex_Unlock(&counter_lock);
}

void gc_bump(void)
{
    GC_ENTER();
    PyMutex_Lock(&counter_lock);
    long seen = counter;
    GC_SPIN();                  /* the same window, now under the lock */
    counter = seen + 1;
    PyMutex_Unlock(&counter_lock);
    GC_EXIT();
}

long gc_value(void)
{
    PyMutex_Lock(&counter_lock);
    long value = counter;
    PyMutex_Unlock(&counter_lock);
    return value;
}

/* A C global: every interpreter's threads count in it. */
long gc_per_module(void)
{
    return 0;
}
