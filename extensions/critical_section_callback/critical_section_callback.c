/* critical_section_callback
 *
 * Guarantee (that never held): state read inside a critical section (or, before 3.13,
 * under the GIL) stays true across a call back into Python made inside it.
 * How it breaks, in every build: the callback can let other threads run (with a GIL it
 * releases it; on a free-threaded build a thread that blocks or detaches suspends its
 * critical sections), so the list's size read before the call may be stale after it:
 * the index it gives may be out of bounds.
 * Fix: read again after any call into Python (critical_section_recheck), or make the
 * call outside the section.
 *
 * The index is checked, not used, so the stale read is counted rather than made.
 */
#include "critical_section_callback_family.h"

int cb_read_once(PyObject *list, PyObject *callback)
{
    int stale = 0;
    Py_ssize_t n;
#if GC_HAVE_313_API
    Py_BEGIN_CRITICAL_SECTION(list);
#endif
    n = PyList_GET_SIZE(list);
    PyObject *result = PyObject_CallNoArgs(callback);   /* the section may pause here */
    if (!result)
        stale = -1;
    else {
        Py_DECREF(result);
        Py_ssize_t last = n - 1;                        /* trusts the size read before */
        stale = last >= PyList_GET_SIZE(list);
    }
#if GC_HAVE_313_API
    Py_END_CRITICAL_SECTION();
#endif
    return stale;
}
