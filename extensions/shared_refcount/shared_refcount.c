/* shared_refcount
 *
 * Guarantee (interpreter): Py_INCREF/Py_DECREF on one object from many threads at once
 * lose no update: once every thread is done, the count is back at its baseline.
 * With the GIL the increments are serialised; a free-threaded build must keep them
 * exact on its own (biased reference counting: the owner thread's local count, every
 * other thread's atomic shared count; Py_REFCNT sums them).
 * How it would break: a non-atomic shared count loses updates: the object leaks (count
 * too high) or is freed while still referenced (count too low, use-after-free).
 * Fix: none in the extension; this is the interpreter's job.
 *
 * The scenario churns two objects: one the main thread made (every worker counts on it
 * in the shared part) and one worker 0 made (worker 0 counts in the local part while
 * the others count in the shared part).
 */
#include "gilcompat.h"

#define SR_HELD 8       /* references each thread holds at once inside an iteration */

/* Take SR_HELD references, spin, drop them; `times` times. Every 256 iterations the
 * thread leaves and re-enters (cffi: the GIL is released in between), so with a GIL
 * the threads interleave, and without one they hammer the count together. */
long sr_churn(PyObject *obj, long times)
{
    long done = 0;
    while (done < times) {
        GC_ENTER();
        for (int chunk = 0; chunk < 256 && done < times; chunk++, done++) {
            for (int k = 0; k < SR_HELD; k++)
                Py_INCREF(obj);
            GC_SPIN();
            for (int k = 0; k < SR_HELD; k++)
                Py_DECREF(obj);
        }
        GC_EXIT();
    }
    return done;
}

/* The object's reference count as this thread reads it (local + shared parts). */
long sr_refcnt(PyObject *obj)
{
    GC_ENTER();
    long count = (long)Py_REFCNT(obj);
    GC_EXIT();
    return count;
}
