/* critical_section_recheck
 *
 * Guarantee: a reader that reads the list's size again after calling back into Python
 * (inside a critical section that the call may have paused) always holds an index in
 * bounds, in every build and mode.
 * How it could break: only if the size read after the call could be stale while the
 * section is held again, that is, if re-entering the section failed to exclude.
 * Fix (this is the fix for critical_section_callback): the same family, the state
 * read again after the call.
 */
#include "critical_section_callback_family.h"

int cb_read_once(PyObject *list, PyObject *callback)
{
    int stale = 0;
    Py_BEGIN_CRITICAL_SECTION(list);
    PyObject *result = PyObject_CallNoArgs(callback);   /* the section may pause here */
    if (!result)
        stale = -1;
    else {
        Py_DECREF(result);
        Py_ssize_t last = PyList_GET_SIZE(list) - 1;    /* read again, after the call */
        GC_SPIN();                                      /* the writer is held off */
        stale = last < 0 || last >= PyList_GET_SIZE(list)
                || !PyLong_Check(PyList_GET_ITEM(list, last));   /* used: a live int */
    }
    Py_END_CRITICAL_SECTION();
    return stale;
}
