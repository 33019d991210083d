/* list_set_item_escaped
 *
 * Guarantee: replacing an item of a list other threads can see with the GIL-era idiom
 * `old = PyList_GET_ITEM(l, i); PyList_SET_ITEM(l, i, new); Py_DECREF(old);` is one
 * step inside PyGILState_Ensure: with the GIL held no other writer comes between the
 * read of `old` and the store.
 * How it breaks: the macros take no lock. With the GIL off two writers read the same
 * `old`, both store (the first one's new item is overwritten and leaks) and both drop
 * `old` (one reference too many: it is freed while a reader still holds it, and the
 * second decref lands on freed memory).
 * Fix: PyList_SetItem(), which steals the new item and drops the old one under the
 * list's own lock on free-threaded builds, so writers never share an `old`
 * (list_setitem_locked). The SET_ITEM macros only suit a list nobody else sees yet.
 *
 * The list, the writers' and the reader's loops and the counted poisoned items are the
 * family's (list_set_item_escaped_family.c); this file holds only the replacement.
 */
#include "list_set_item_escaped_family.h"

int ls_replace(PyObject *list, Py_ssize_t i, PyObject *item)
{
    PyObject *old = PyList_GET_ITEM(list, i);
    GC_SPIN();                      /* the window: another writer may read the same old */
    PyList_SET_ITEM(list, i, item);
    Py_DECREF(old);
    return 0;
}
