/* list_loop_critical
 *
 * Guarantee: a loop that reads n = PyList_GET_SIZE(list) once and then
 * PyList_GET_ITEM(list, i) for every i < n, inside Py_BEGIN_CRITICAL_SECTION(list),
 * only ever sees live items, with or without the GIL: the critical section locks the
 * list's own mutex, which every list mutation (PyList_Append, PyList_SetSlice, pop)
 * takes too, so no thread shrinks the list in between.
 * How it could break: only if the critical section failed to exclude a mutation.
 * Fix (this is the fix for list_stale_size): the same family, with the loop inside a
 * critical section on the list. Critical sections need 3.13; older Pythons skip this
 * case (min_python). On a GIL build the macros do nothing and the GIL does the same job.
 */
#include "list_stale_size_family.h"

#if !GC_HAVE_313_API
#  error "list_loop_critical needs Py_BEGIN_CRITICAL_SECTION (CPython 3.13+)"
#endif

long ls_loop(PyObject *list)
{
    long bad = 0;
    Py_BEGIN_CRITICAL_SECTION(list);
    Py_ssize_t n = PyList_GET_SIZE(list);
    for (Py_ssize_t i = 0; i < n; i++) {
        GC_SPIN();                                      /* the same window */
        bad += !ls_alive(PyList_GET_ITEM(list, i));     /* borrowed, list locked */
    }
    Py_END_CRITICAL_SECTION();
    return bad;
}
