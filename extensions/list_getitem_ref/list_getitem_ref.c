/* list_getitem_ref
 *
 * Guarantee: the strong reference PyList_GetItemRef() returns keeps the item alive
 * while the caller uses it, whether or not there is a GIL: the reference is taken
 * inside the list's own synchronisation, before any other thread can free the item.
 * How it could break: only if PyList_GetItemRef or the list's item replacement were
 * not thread-safe; the GIL plays no part.
 * Fix (this is the fix for list_borrowed_item): PyList_GetItemRef instead of
 * PyList_GetItem + Py_INCREF. It needs 3.13; older Pythons skip this case (min_python).
 *
 * The churn is list_borrowed_item's; a use-after-free would show as a poisoned item
 * (gilcompat_poison.h).
 */
#include "gilcompat_poison.h"

#if !GC_HAVE_313_API
#  error "list_getitem_ref needs PyList_GetItemRef (CPython 3.13+)"
#endif

/* Setup: append n fresh items to the list. */
void lr_fill(PyObject *list, long n)
{
    GC_ENTER();
    for (long i = 0; gc_item_ready() == 0 && i < n; i++) {
        PyObject *item = gc_item_new();
        if (!item || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            break;
        }
        Py_DECREF(item);
    }
    PyErr_Clear();      /* a failure shows as a short list, which check() reports */
    GC_EXIT();
}

/* The writer: replace every slot with a fresh item, `passes` times. */
void lr_replace(PyObject *list, long passes)
{
    for (long p = 0; p < passes; p++) {
        GC_ENTER();
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
            PyObject *item = gc_item_new();
            if (!item || PyList_SetItem(list, i, item) < 0) {   /* frees the old item */
                PyErr_Clear();
                break;
            }
        }
        GC_EXIT();
    }
}

/* The reader: take a strong reference, spin, read. Returns how many reads did not get
 * a live item (a poisoned payload, or an unexpected failure). */
long lr_read(PyObject *list, long reads)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; r < reads; r++) {
        PyObject *item = PyList_GetItemRef(list, r % PyList_GET_SIZE(list));  /* strong */
        if (!item) {
            PyErr_Clear();
            bad++;
            continue;
        }
        GC_SPIN();
        if (!gc_item_alive(item))
            bad++;
        Py_DECREF(item);
    }
    GC_EXIT();
    return bad;
}
