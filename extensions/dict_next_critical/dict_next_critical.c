/* dict_next_critical
 *
 * Guarantee: a PyDict_Next loop inside Py_BEGIN_CRITICAL_SECTION(dict) sees the dict as
 * it was when the loop began, with or without the GIL: the critical section locks the
 * dict's own mutex, which every insert and delete (PyDict_SetItem, PyDict_DelItem) takes
 * too, so the dict cannot change or resize during the loop.
 * How it could break: only if the critical section failed to exclude a mutation.
 * Fix (this is the fix for dict_next_unlocked): the same family, with the loop inside a
 * critical section on the dict. Critical sections need 3.13; older Pythons skip this
 * case (min_python). On a GIL build the macros do nothing and the GIL does the same job.
 */
#include "dict_next_unlocked_family.h"

#if !GC_HAVE_313_API
#  error "dict_next_critical needs Py_BEGIN_CRITICAL_SECTION (CPython 3.13+)"
#endif

void dn_loop(PyObject *dict, int *seen)
{
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    Py_BEGIN_CRITICAL_SECTION(dict);
    while (PyDict_Next(dict, &pos, &key, &value)) {     /* borrowed, dict locked */
        GC_SPIN();                                      /* the same window */
        dn_saw(seen, key);
    }
    Py_END_CRITICAL_SECTION();
}
