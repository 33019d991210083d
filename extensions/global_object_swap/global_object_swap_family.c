/* global_object_swap family scaffolding: the global, its reset, the writer's and the
 * reader's loops (each call under GC_ENTER, as a capi face's call holds the GIL), and
 * the poisoned items that make a use-after-free visible (gilcompat_poison.h keeps its
 * state per file, so every item is made and checked here). */
#include "gilcompat_poison.h"
#include "global_object_swap_family.h"

PyObject *gs_global;

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
        if (item)
            gs_publish(item);
        PyErr_Clear();
        GC_EXIT();
    }
}

/* The reader: take, read. Returns how many reads saw a bad (freed) value. */
long gs_read(long reads)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; r < reads; r++) {
        PyObject *item = gs_take();
        if (!gc_item_alive(item))
            bad++;
        Py_DECREF(item);
    }
    GC_EXIT();
    return bad;
}
