/* list_newref_item
 *
 * Guarantee: Py_NewRef(PyList_GetItem(list, i)) gives the caller a live strong
 * reference: with the GIL held no other thread can replace (and free) the item between
 * the load inside PyList_GetItem and the incref right after it.
 * How it breaks: "incref at once" is not atomic with the load. With the GIL off a
 * writer can store a fresh item in the slot and drop the old one in that gap of a few
 * instructions; the incref then lands on freed memory and the reader reads a poisoned
 * payload (or crashes). There is no spin inside the gap, so a run sees it rarely;
 * list_borrowed_item is the same race with the gap widened.
 * Fix: PyList_GetItemRef(), which takes the reference inside the list's own
 * synchronisation (list_getitem_ref).
 *
 * A member of list_borrowed_item's family: its list, writer, reader loop and poisoned
 * items (list_borrowed_item_family.c); this file holds only the reader's take.
 */
#include "list_borrowed_item_family.h"

PyObject *lb_take(PyObject *list, Py_ssize_t i)
{
    /* Py_XNewRef: PyList_GetItem returns NULL (exception set) for a bad index. */
    PyObject *item = Py_XNewRef(PyList_GetItem(list, i));
    if (item)
        GC_SPIN();                      /* after the incref, as in list_getitem_ref */
    return item;
}
