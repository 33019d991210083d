/* critical_section_callback family scaffolding: the readers' loop and its evidence. */
#include "critical_section_callback_family.h"

/* `reads` reads; returns how many used an index out of the list's bounds (or failed). */
long cb_read(PyObject *list, PyObject *callback, long reads)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; r < reads; r++) {
        int stale = cb_read_once(list, callback);
        if (stale < 0) {
            PyErr_Clear();
            stale = 1;
        }
        bad += stale;
    }
    GC_EXIT();
    return bad;
}
