/* list_setitem_locked
 *
 * Guarantee: writers that replace the items of a shared list with PyList_SetItem()
 * never drop an item twice nor lose one, with the GIL or without: PyList_SetItem
 * steals the new item, and reads and drops the old one inside the list's own lock
 * (a critical section on free-threaded builds; the GIL elsewhere).
 * How it could break: only if PyList_SetItem's replacement were not atomic.
 * Fix (this is the fix for list_set_item_escaped): PyList_SetItem instead of
 * PyList_GET_ITEM + PyList_SET_ITEM + Py_DECREF on a list other threads can see.
 *
 * The same family (list_set_item_escaped_family.c: the list, the loops, the counted
 * poisoned items), with this replacement.
 */
#include "list_set_item_escaped_family.h"

int ls_replace(PyObject *list, Py_ssize_t i, PyObject *item)
{
    GC_SPIN();                      /* the same spin at the same place as the hazard's */
    return PyList_SetItem(list, i, item);   /* steals item, drops the old one */
}
