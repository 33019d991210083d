/* borrowed_across_callback
 *
 * Guarantee (never given): a borrowed reference, PyList_GET_ITEM(list, 0), stays valid
 * across calls that can run Python code (here PyObject_RichCompare, which calls the
 * other object's __eq__). It does not, GIL or no GIL: the Python code runs in the same
 * thread, under the same GIL, and may mutate the list. The GIL never protected a
 * thread from itself.
 * How it breaks: __eq__ clears the list; the first item, whose only reference the list
 * held, is freed; the C code then reads it through the dangling borrowed pointer. With
 * one thread, every time. (The item held is not one passed to the comparison: PyPy
 * keeps a call's own arguments alive until it returns.)
 * Fix: take a strong reference before calling out (Py_INCREF(item), or
 * PyList_GetItemRef in 3.13), and release it after.
 *
 * Items are the poisoned type of gilcompat_poison.h, so the freed item reads as freed.
 */
#include "gilcompat_poison.h"

/* Setup: append n fresh items to the list; returns the list's size. */
long bc_fill(PyObject *list, long n)
{
    GC_ENTER();
    gc_items_append(list, n);
    long size = (long)PyList_GET_SIZE(list);
    GC_EXIT();
    return size;
}

/* Look for `other` among the list's items, keeping the first item (borrowed) to read
 * after the search, as code that remembers where it started would. Returns 1 when the
 * first item was found freed after the comparisons, 0 when not, -1 when a comparison
 * raised. */
long bc_compare(PyObject *list, PyObject *other)
{
    long freed = 0;
    GC_ENTER();
    if (PyList_GET_SIZE(list) > 0) {
        PyObject *first = PyList_GET_ITEM(list, 0);     /* borrowed, held across calls */
        for (Py_ssize_t i = 1; i < PyList_GET_SIZE(list); i++) {
            PyObject *result = PyObject_RichCompare(PyList_GET_ITEM(list, i), other, Py_EQ);
            if (!result) {                              /* __eq__ ran, and cleared the list */
                PyErr_Clear();
                freed = -1;
                break;
            }
            Py_DECREF(result);
        }
        if (freed == 0)
            freed = !gc_item_alive(first);              /* the borrowed read */
    }
    GC_EXIT();
    return freed;
}
