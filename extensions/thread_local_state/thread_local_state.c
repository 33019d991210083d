/* thread_local_state
 *
 * Guarantee: a _Thread_local char buffer that a function formats into and then builds
 * its result from is never written by another thread, with or without the GIL.
 * How it could break: only if _Thread_local storage were shared between threads; the
 * GIL plays no part.
 * Fix (this is the fix for static_buffer): the same family, with the buffer per thread,
 * so formatting needs no lock at all.
 */
#include <stdio.h>
#include "static_buffer_family.h"

static _Thread_local char sb_buffer[32];    /* one per thread */

PyObject *sb_name(long number)
{
    snprintf(sb_buffer, sizeof sb_buffer, "item-%ld", number);
    GC_SPIN();                  /* the same window as static_buffer */
    return PyUnicode_FromString(sb_buffer);
}
