/* static_buffer
 *
 * Guarantee: a static char buffer that a function formats into and then builds its
 * result from, inside PyGILState_Ensure(), is never written by two threads at once:
 * the GIL makes "format, then build the str" one step.
 * How it breaks: with the GIL off another thread formats its own value into the same
 * buffer during the spin, and the str built from it carries the other thread's number.
 * Fix: a buffer per thread (_Thread_local, thread_local_state) or on the stack.
 * Twin: thread_local_state.
 *
 * The calls and the check are the family's (static_buffer_family.c); this file holds
 * only the function the GIL covered.
 */
#include <stdio.h>
#include "static_buffer_family.h"

static char sb_buffer[32];      /* shared by every caller */

PyObject *sb_name(long number)
{
    snprintf(sb_buffer, sizeof sb_buffer, "item-%ld", number);
    GC_SPIN();                  /* more formatting work: the window */
    return PyUnicode_FromString(sb_buffer);
}
