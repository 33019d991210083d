/* lock_order_inversion
 *
 * Guarantee (never given): a C mutex and the GIL may be taken in either order.
 * How it breaks: thread 1, a C library thread, holds its own mutex and calls back into
 * Python (PyGILState_Ensure); thread 2 holds the GIL (or is attached) and asks for the
 * mutex. Each waits for the other forever: on a GIL build, and on a free-threaded build
 * with the GIL on. With the GIL off Ensure does not wait for a GIL, but it does wait
 * while a stop-the-world (gc.collect()) is under way, and the stop-the-world waits for
 * thread 2, which sits attached on the mutex: the same deadlock, three threads long.
 * Fix: one lock order (never ask for the GIL while holding a C lock), or release the
 * GIL before blocking on the mutex (Py_BEGIN_ALLOW_THREADS around pthread_mutex_lock;
 * a PyMutex does this itself).
 */
#include "gilcompat.h"
#include <pthread.h>

static pthread_mutex_t lo_mutex = PTHREAD_MUTEX_INITIALIZER;
static long shared;             /* guarded by lo_mutex and the GIL */

/* Python-side work, done with the GIL (attached): called while holding the mutex. */
static void lo_touch_shared(void)
{
    GC_ENTER();                 /* waits for the GIL (or for a stop-the-world to end) */
    shared++;
    GC_EXIT();
}

/* Thread 1: mutex first, then the GIL. Whatever the face, the loop runs without the
 * GIL, as a C library thread would, and asks for it only inside the mutex. */
long lo_mutex_then_gil(long times)
{
    long done = 0;
    GC_ENTER();                 /* cffi calls without the GIL, capi with it: */
    Py_BEGIN_ALLOW_THREADS      /* either way, now run without it */
    for (long i = 0; i < times; i++) {
        pthread_mutex_lock(&lo_mutex);
        GC_SPIN();              /* hold the mutex a while: widens the window */
        lo_touch_shared();      /* the callback into Python */
        pthread_mutex_unlock(&lo_mutex);
        done++;
    }
    Py_END_ALLOW_THREADS
    GC_EXIT();
    return done;
}

/* Thread 2: the GIL first, then the mutex, waited for with the GIL held. */
long lo_gil_then_mutex(long times)
{
    long done = 0;
    for (long i = 0; i < times; i++) {
        GC_ENTER();
        pthread_mutex_lock(&lo_mutex);
        shared++;
        pthread_mutex_unlock(&lo_mutex);
        GC_EXIT();
        done++;
    }
    return done;
}

void lo_reset(void)
{
    shared = 0;
}

long lo_value(void)
{
    return shared;
}
