/* gilstate_at_finalize
 *
 * Guarantee (interpreter): a thread started in C may call PyGILState_Ensure() at any
 * moment, including while the interpreter finalizes: from then on Ensure does not
 * return to it (3.13 and older end the thread, 3.14 blocks it for good), and the
 * process still exits cleanly.
 * How it breaks: an Ensure that races finalization makes or attaches a thread state
 * for an interpreter being torn down, and the process crashes at exit (gh-132948 was
 * such a crash in a 3.14 pre-release).
 * Fix: none in the extension; this is the interpreter's job.
 *
 * gf_start() starts one pthread Python has never seen; it loops Ensure, a little Python
 * work, Release, until the process ends. The cell's child then exits with every such
 * thread still looping.
 */
#include "gilcompat.h"
#include <pthread.h>
#include <unistd.h>

static long gf_call_count;      /* Ensure/Release cycles completed, all threads */
static long gf_failure_count;   /* cycles whose Python work went wrong */

static void *gf_thread_main(void *unused)
{
    (void)unused;
    for (long i = 0;; i++) {
        PyGILState_STATE state = PyGILState_Ensure();  /* a new thread state each time */
        PyObject *number = PyLong_FromLong(i);
        if (!number || PyLong_AsLong(number) != i) {
            PyErr_Clear();
            __atomic_fetch_add(&gf_failure_count, 1, __ATOMIC_RELAXED);
        }
        Py_XDECREF(number);
        PyGILState_Release(state);
        __atomic_fetch_add(&gf_call_count, 1, __ATOMIC_RELAXED);
        usleep(20);     /* leave the interpreter's own threads room (a GIL's hand-off
                           would otherwise starve them, PyPy's above all) */
    }
    return NULL;
}

/* Start one looping thread, detached: nothing joins it, the process exit ends it.
 * A thread that cannot start counts as a failure. */
void gf_start(void)
{
    pthread_t id;
    if (pthread_create(&id, NULL, gf_thread_main, NULL) != 0) {
        __atomic_fetch_add(&gf_failure_count, 1, __ATOMIC_RELAXED);
        return;
    }
    pthread_detach(id);
}

long gf_calls(void)
{
    return __atomic_load_n(&gf_call_count, __ATOMIC_RELAXED);
}

long gf_failures(void)
{
    return __atomic_load_n(&gf_failure_count, __ATOMIC_RELAXED);
}
