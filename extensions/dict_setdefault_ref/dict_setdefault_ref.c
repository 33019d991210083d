/* dict_setdefault_ref
 *
 * Guarantee: the strong reference PyDict_SetDefaultRef() hands back (the value now
 * under the key) keeps it alive while the caller uses it, with or without the GIL: the
 * reference is taken inside the dict's own synchronisation.
 * How it could break: only if PyDict_SetDefaultRef or the dict's replacement were not
 * thread-safe; the GIL plays no part.
 * Fix (this is the fix for dict_setdefault_borrowed): PyDict_SetDefaultRef instead of
 * PyDict_SetDefault + Py_INCREF. It needs 3.13; older Pythons skip it (min_python).
 *
 * dict_borrowed_item's family, with this take.
 */
#include "dict_borrowed_item_family.h"

#if !GC_HAVE_313_API
#  error "dict_setdefault_ref needs PyDict_SetDefaultRef (CPython 3.13+)"
#endif

int db_take(PyObject *dict, PyObject *key, PyObject **item)
{
    PyObject *fresh = db_fresh_item();
    if (!fresh)
        return -1;
    int found = PyDict_SetDefaultRef(dict, key, fresh, item);     /* strong */
    Py_DECREF(fresh);
    if (found < 0)
        return -1;
    GC_SPIN();                          /* the same window */
    return 1;
}
