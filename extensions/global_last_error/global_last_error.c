/* global_last_error
 *
 * Guarantee (never given): an error code an operation leaves in a C global is still
 * the caller's when it asks for it in a second call (`op(); code = last_error()`), as
 * with errno before it was per thread.
 * How it breaks: each call takes the GIL on its own, but the GIL is free between the
 * two calls; another thread's op() runs there and overwrites the code: the caller gets
 * the other thread's error. On a GIL build that takes a thread switch in between,
 * which a tiny sys.setswitchinterval makes frequent; with the GIL off the threads
 * simply overlap.
 * Fix: return the error from the call that has it (or store it per thread:
 * _Thread_local, or the thread's exception state).
 */
#include "gilcompat.h"

static long gle_last_error;

/* The operation: "fails" with `code`, left in the global for the caller to fetch. The
 * spin after setting it widens the window for another thread to come in. */
void gle_op(long code)
{
    GC_ENTER();
    gle_last_error = code;
    GC_SPIN();
    GC_EXIT();
}

long gle_last(void)
{
    GC_ENTER();
    long code = gle_last_error;
    GC_EXIT();
    return code;
}
