/* list_borrowed_item
 *
 * Guarantee: the borrowed reference PyList_GetItem() returns stays valid until the
 * caller takes its own reference, because the GIL keeps every other thread from
 * replacing (and freeing) the item in between.
 * How it breaks: with the GIL off a writer replaces the slot during the spin and frees
 * the old item; the reader increfs and reads freed memory (or crashes).
 * Fix: PyList_GetItemRef(), which returns a strong reference (list_getitem_ref).
 *
 * The list, the writer, the reader's loop and the poisoned items are the family's
 * (list_borrowed_item_family.c); this file holds only the reader's take.
 */
#include "list_borrowed_item_family.h"

PyObject *lb_take(PyObject *list, Py_ssize_t i)
{
    PyObject *item = PyList_GetItem(list, i);   /* borrowed */
    if (!item)
        return NULL;
    GC_SPIN();                                  /* the window: the writer may free it now */
    Py_INCREF(item);
    return item;
}
