/* global_object_swap_locked
 *
 * Guarantee: a global PyObject * that writers replace and readers read is never freed
 * while a reader uses it, with the GIL or without: a PyMutex is held across the
 * writer's swap and across the reader's load + incref, so a reader always leaves the
 * lock with a strong reference of its own.
 * How it could break: only if the mutex failed to exclude.
 * Fix (this is the fix for global_object_swap): the same family, with these two steps
 * under the lock. The old object is dropped after the unlock: a reader that took it
 * holds its own reference by then.
 */
#include "global_object_swap_family.h"

static PyMutex gs_lock;

void gs_publish(PyObject *item)
{
    PyMutex_Lock(&gs_lock);
    PyObject *old = gs_global;
    gs_global = item;
    PyMutex_Unlock(&gs_lock);
    Py_DECREF(old);
}

PyObject *gs_take(void)
{
    PyMutex_Lock(&gs_lock);
    PyObject *item = Py_NewRef(gs_global);
    PyMutex_Unlock(&gs_lock);
    GC_SPIN();                      /* the same window: the writer may swap now */
    return item;
}
