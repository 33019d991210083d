/* list_borrowed_item family scaffolding.
 *
 * Guarantee: an item a reader takes from the list stays alive while the reader uses
 * it. How it breaks: with the GIL off, a reader that only borrowed the item
 * (list_borrowed_item.c) sees it freed by the writer before its incref. Fix:
 * PyList_GetItemRef, a strong reference (list_getitem_ref).
 *
 * Here: the list's setup, the writer, and the reader's loop around the member's
 * lb_take (each call under GC_ENTER, as a capi face's call holds the GIL). A
 * use-after-free is made visible by the poisoned item type of gilcompat_poison.h,
 * which keeps its state per file, so every item is made and checked here.
 */
#include "gilcompat_poison.h"
#include "list_borrowed_item_family.h"

/* Setup: append n fresh items to the list. */
void lb_fill(PyObject *list, long n)
{
    GC_ENTER();
    gc_items_append(list, n);      /* a failure shows as a short list, which check() reports */
    GC_EXIT();
}

/* The writer: replace every slot with a fresh item, `passes` times. */
void lb_replace(PyObject *list, long passes)
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

/* The reader: take, read. Returns how many reads did not get a live item (a poisoned
 * payload, or an unexpected failure). */
long lb_read(PyObject *list, long reads)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; PyList_GET_SIZE(list) && r < reads; r++) {
        PyObject *item = lb_take(list, r % PyList_GET_SIZE(list));
        if (!item) {
            PyErr_Clear();
            bad++;
            continue;
        }
        if (!gc_item_alive(item))
            bad++;
        Py_DECREF(item);
    }
    GC_EXIT();
    return bad;
}
