/* container_append
 *
 * Guarantee: PyList_Append, PyDict_SetItem and PySet_Add on one shared container from
 * many threads lose nothing: each call is atomic. The GIL gave this for free; a
 * free-threaded build keeps it with a per-object lock (a critical section).
 * How it would break: a build without that lock would lose appends or corrupt the
 * container while it resizes: sizes come out short, or the process crashes.
 * Fix: none needed; this is the interpreter's guarantee (a case that fails here has
 * found an interpreter bug).
 */
#include "gilcompat.h"

/* Add the keys first .. first + n - 1 to the list, the dict and the set. */
void ca_add(PyObject *list, PyObject *dict, PyObject *set, long first, long n)
{
    for (long i = first; i < first + n; i++) {
        GC_ENTER();
        PyObject *key = PyLong_FromLong(i);
        if (key) {
            int failed = PyList_Append(list, key) < 0 || PyDict_SetItem(dict, key, key) < 0
                         || PySet_Add(set, key) < 0;
            Py_DECREF(key);
            if (failed)
                PyErr_Clear();
        }
        GC_EXIT();
    }
}
