/* weakref_getref
 *
 * Guarantee: the strong reference PyWeakref_GetRef() returns keeps the referent alive
 * while the caller uses it, whether or not there is a GIL: the reference is taken
 * atomically, and only while the referent's reference count is not zero (otherwise
 * the call reports the referent dead).
 * How it could break: only if PyWeakref_GetRef or weakref clearing in dealloc were not
 * thread-safe; the GIL plays no part.
 * Fix (this is the fix for weakref_borrowed): PyWeakref_GetRef instead of
 * PyWeakref_GetObject + Py_INCREF. It needs 3.13; older Pythons skip this case
 * (min_python).
 *
 * The same family (weakref_borrowed_family.c: the weakrefs, the writer, the reader's
 * loop, the poisoned referents), with this take.
 */
#include "weakref_borrowed_family.h"

#if !GC_HAVE_313_API
#  error "weakref_getref needs PyWeakref_GetRef (CPython 3.13+)"
#endif

int wb_take(PyObject *weak, PyObject **referent)
{
    int found = PyWeakref_GetRef(weak, referent);   /* strong */
    if (found > 0)
        GC_SPIN();                      /* the same window: the writer may kill it now */
    return found;
}
