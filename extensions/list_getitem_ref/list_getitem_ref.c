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
 * The same family (list_borrowed_item_family.c: the list, the writer, the reader's
 * loop, the poisoned items), with this take.
 */
#include "list_borrowed_item_family.h"

#if !GC_HAVE_313_API
#  error "list_getitem_ref needs PyList_GetItemRef (CPython 3.13+)"
#endif

PyObject *lb_take(PyObject *list, Py_ssize_t i)
{
    PyObject *item = PyList_GetItemRef(list, i);    /* strong */
    if (item)
        GC_SPIN();                      /* the same window: the writer may replace now */
    return item;
}
