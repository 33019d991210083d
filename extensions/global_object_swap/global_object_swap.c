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
 * both the swap and the load + incref), or publish immutable values once (once_init).
 * No opted-in twin in the corpus.
 *
 * A use-after-free is made visible by the poisoned item type of gilcompat_poison.h.
 */
#include "gilcompat_poison.h"

static PyObject *gs_global;     /* the shared global: a strong reference */

/* Setup: a fresh live item in the global. */
void gs_reset(void)
{
    GC_ENTER();
    if (gc_item_ready() == 0) {
        PyObject *item = gc_item_new();
        if (item)
            Py_XSETREF(gs_global, item);
    }
    PyErr_Clear();
    GC_EXIT();
}

/* The writer: replace the global with a fresh item, `times` times. */
void gs_swap(long times)
{
    for (long i = 0; i < times; i++) {
        GC_ENTER();
        PyObject *item = gc_item_new();
        if (item) {
            PyObject *old = gs_global;
            gs_global = item;
            Py_DECREF(old);             /* frees the old item */
        }
        PyErr_Clear();
        GC_EXIT();
    }
}

/* The reader: load, spin, incref, read. Returns how many reads saw a bad value. */
long gs_read(long reads)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; r < reads; r++) {
        PyObject *item = gs_global;     /* borrowed from the global */
        GC_SPIN();
        Py_INCREF(item);
        if (!gc_item_alive(item))
            bad++;
        Py_DECREF(item);
    }
    GC_EXIT();
    return bad;
}
