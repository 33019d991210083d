/* static_buffer
 *
 * Guarantee: a static char buffer that a function formats into and then builds its
 * result from, inside PyGILState_Ensure(), is never written by two threads at once:
 * the GIL makes "format, then build the str" one step.
 * How it breaks: with the GIL off another thread formats its own value into the same
 * buffer during the spin, and the str built from it carries the other thread's number.
 * Fix: a buffer per thread (_Thread_local, thread_local_state) or on the stack.
 * Twin: thread_local_state.
 */
#include "gilcompat.h"
#include <stdio.h>

static char sb_buffer[32];      /* shared by every caller */

/* The function under test: `number` as a str, formatted in the static buffer. */
static PyObject *sb_name(long number)
{
    snprintf(sb_buffer, sizeof sb_buffer, "item-%ld", number);
    GC_SPIN();                  /* more formatting work: the window */
    return PyUnicode_FromString(sb_buffer);
}

/* Call sb_name(number) `times` times; returns how many strs held another number. */
long sb_format(long number, long times)
{
    char want[32];
    long wrong = 0;
    snprintf(want, sizeof want, "item-%ld", number);
    for (long i = 0; i < times; i++) {
        GC_ENTER();
        PyObject *name = sb_name(number);
        if (!name || PyUnicode_CompareWithASCIIString(name, want) != 0)
            wrong++;
        Py_XDECREF(name);
        PyErr_Clear();
        GC_EXIT();
    }
    return wrong;
}
