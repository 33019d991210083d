/* dict_getitem_ref
 *
 * Guarantee: the strong reference PyDict_GetItemRef() returns keeps the value alive
 * while the caller uses it, whether or not there is a GIL: the reference is taken
 * inside the dict's own synchronisation, before any other thread can free the value.
 * How it could break: only if PyDict_GetItemRef or dict assignment/deletion were not
 * thread-safe; the GIL plays no part.
 * Fix (this is the fix for dict_borrowed_item): PyDict_GetItemRef instead of
 * PyDict_GetItem + Py_INCREF. It needs 3.13; older Pythons skip this case (min_python).
 *
 * The same family (dict_borrowed_item_family.c: the dict, the writer, the reader's
 * loop, the poisoned items), with this take.
 */
#include "dict_borrowed_item_family.h"

#if !GC_HAVE_313_API
#  error "dict_getitem_ref needs PyDict_GetItemRef (CPython 3.13+)"
#endif

int db_take(PyObject *dict, PyObject *key, PyObject **item)
{
    int found = PyDict_GetItemRef(dict, key, item);     /* strong */
    if (found > 0)
        GC_SPIN();                          /* the same window: the writer may churn now */
    return found;
}
