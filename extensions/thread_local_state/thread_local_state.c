/* thread_local_state
 *
 * Guarantee: a _Thread_local char buffer that a function formats into and then builds
 * its result from is never written by another thread, with or without the GIL.
 * How it could break: only if _Thread_local storage were shared between threads; the
 * GIL plays no part.
 * Fix (this is the fix for static_buffer): the buffer is per thread, so formatting
 * needs no lock at all.
 */
#include "gilcompat.h"
#include <stdio.h>

static _Thread_local char tl_buffer[32];    /* one per thread */

/* The function under test: `number` as a str, formatted in the thread's buffer. */
static PyObject *tl_name(long number)
{
    snprintf(tl_buffer, sizeof tl_buffer, "item-%ld", number);
    GC_SPIN();                  /* the same window as static_buffer */
    return PyUnicode_FromString(tl_buffer);
}

/* Call tl_name(number) `times` times; returns how many strs held another number. */
long tl_format(long number, long times)
{
    char want[32];
    long wrong = 0;
    snprintf(want, sizeof want, "item-%ld", number);
    for (long i = 0; i < times; i++) {
        GC_ENTER();
        PyObject *name = tl_name(number);
        if (!name || PyUnicode_CompareWithASCIIString(name, want) != 0)
            wrong++;
        Py_XDECREF(name);
        PyErr_Clear();
        GC_EXIT();
    }
    return wrong;
}
