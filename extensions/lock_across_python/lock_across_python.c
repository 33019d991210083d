/* lock_across_python
 *
 * Guarantee (never given): a C library may hold its own (non-reentrant) mutex while it
 * calls back into Python, because "the GIL serialises everything anyway".
 * How it breaks: the Python callable can re-enter the same C function (directly, or
 * through any code it calls: a __del__, a callback, a signal handler), which asks
 * again for the mutex its own thread holds: a self-deadlock, with or without a GIL.
 * The mutex is taken politely (the GIL released while waiting for it, so there is no
 * lock-order inversion with the GIL): the stuck thread holds no GIL, and every other
 * thread soon blocks on the mutex too, without the GIL. Every build, face and mode
 * ends the same way: all threads asleep, the process idle. (Waiting with the GIL held
 * deadlocks as well, but then PyPy's GIL waiters keep waking up: not idle there.)
 * Fix: never call Python while holding a C lock (copy what the call needs, release,
 * call, re-take), or make the lock reentrant and the state it guards safe for
 * re-entry.
 */
#include "gilcompat.h"
#include <pthread.h>

static pthread_mutex_t la_mutex = PTHREAD_MUTEX_INITIALIZER;   /* not recursive */
static long la_calls;           /* guarded by la_mutex */

/* Take the mutex, call `callback` (a Python callable, no arguments) while holding it,
 * release. Returns the calls made so far, or -1 when the callback raised. */
long la_call_locked(PyObject *callback)
{
    long result;
    GC_ENTER();
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&la_mutex);  /* a re-entrant call waits here for itself */
    Py_END_ALLOW_THREADS
    la_calls++;
    PyObject *r = PyObject_CallNoArgs(callback);
    if (r) {
        Py_DECREF(r);
        result = la_calls;
    }
    else {
        PyErr_Clear();
        result = -1;
    }
    pthread_mutex_unlock(&la_mutex);
    GC_EXIT();
    return result;
}
