/* list_borrowed_item
 *
 * Guarantee: the borrowed reference PyList_GetItem() returns stays valid until the
 * caller takes its own reference, because the GIL keeps every other thread from
 * replacing (and freeing) the item in between.
 * How it breaks: with the GIL off a writer replaces the slot during the spin and frees
 * the old item; the reader increfs and reads freed memory (or crashes).
 * Fix: PyList_GetItemRef(), which returns a strong reference (list_getitem_ref).
 *
 * A use-after-free is made visible by the poisoned item type of gilcompat_poison.h.
 */
#include "gilcompat_poison.h"

/* Setup: append n fresh items to the list. */
void lb_fill(PyObject *list, long n)
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
    GC_EXIT();
}

/* The writer: replace every slot with a fresh item, `passes` times. */
void lb_replace(PyObject *list, long passes)
{
    for (long p = 0; p < passes; p++) {
        GC_ENTER();
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
            PyObject *item = gc_item_new();
            if (!item || PyList_SetItem(list, i, item) < 0)   /* frees the old item */
                break;
        }
        GC_EXIT();
    }
}

/* The reader: borrow, spin, incref, read. Returns how many reads saw a bad payload. */
long lb_read(PyObject *list, long reads)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; r < reads; r++) {
        PyObject *item = PyList_GetItem(list, r % PyList_GET_SIZE(list));   /* borrowed */
        GC_SPIN();
        Py_INCREF(item);
        if (!gc_item_alive(item))
            bad++;
        Py_DECREF(item);
    }
    GC_EXIT();
    return bad;
}
