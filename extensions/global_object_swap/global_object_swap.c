/* global_object_swap
 *
 * Guarantee: a global PyObject * that writers replace (`old = g; g = new;
 * Py_DECREF(old)`) and readers borrow (`r = g; ...; Py_INCREF(r)`) inside
 * PyGILState_Ensure() is never freed between a reader's load and its incref: the GIL
 * makes each side one step.
 * How it breaks: with the GIL off a writer swaps the global and drops the old object
 * during the reader's spin; the reader increfs freed memory and reads a poisoned value
 * (or crashes).
 * Fix: take a strong reference under the same lock the writers hold (a PyMutex around
 * both the swap and the load + incref): global_object_swap_locked.
 *
 * The loops, the reset and the poisoned items are the family's
 * (global_object_swap_family.c); this file holds only the two steps the GIL covered.
 */
#include "global_object_swap_family.h"

void gs_publish(PyObject *item)
{
    PyObject *old = gs_global;
    gs_global = item;
    Py_DECREF(old);                 /* frees the old item */
}

PyObject *gs_take(void)
{
    PyObject *item = gs_global;     /* borrowed from the global */
    GC_SPIN();                      /* the window: a writer may drop it now */
    Py_INCREF(item);
    return item;
}
