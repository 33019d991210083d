/* error_state_per_thread
 *
 * Guarantee (interpreter): the "current exception" (PyErr_SetString, PyErr_Occurred,
 * PyErr_Clear) belongs to the thread state: an error one thread sets is never seen,
 * cleared or replaced by another. With a GIL or without, the exception lives in
 * PyThreadState.
 * How it would break: an interpreter keeping it anywhere shared would let a thread see
 * another's exception (and fail a call that succeeded), or lose its own.
 * Fix: none in the extension; this is the interpreter's job.
 *
 * Setters hold their own exception while they leave the GIL (Py_BEGIN_ALLOW_THREADS)
 * and spin, so with a GIL the observers run right then; without one they run anyway.
 * Thread wake-ups are staggered, so the two sides wait for each other: an observer
 * starts once a setter has, and setters keep going until every observer is done.
 */
#include "gilcompat.h"
#include <sched.h>
#include <time.h>

static long es_setters_started, es_observers_started, es_observers_running;

void es_reset(void)
{
    es_setters_started = es_observers_started = es_observers_running = 0;
}

static double es_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static long es_load(long *counter)
{
    return __atomic_load_n(counter, __ATOMIC_ACQUIRE);
}

static PyObject *es_type(long thread_index)
{
    PyObject *types[] = {PyExc_ValueError, PyExc_KeyError, PyExc_TypeError,
                         PyExc_IndexError};
    return types[thread_index % 4];
}

/* At least `times` times (and on, up to 2 s, while an observer is yet to start or
 * still running): set an exception of this thread's own type, leave the GIL, spin,
 * come back, check it is still this thread's exception, clear it. Returns how many
 * checks failed. */
long es_setter(long thread_index, long times)
{
    long bad = 0;
    PyObject *mine = es_type(thread_index);
    double deadline = es_now() + 2.0;
    __atomic_add_fetch(&es_setters_started, 1, __ATOMIC_ACQ_REL);
    GC_ENTER();
    for (long i = 0; i < times || ((!es_load(&es_observers_started) ||
                                    es_load(&es_observers_running)) &&
                                   es_now() < deadline); i++) {
        PyErr_SetString(mine, "gilcompat: this thread's own error");
        Py_BEGIN_ALLOW_THREADS
        GC_SPIN();
        Py_END_ALLOW_THREADS
        GC_SPIN();
        if (PyErr_Occurred() != mine)
            bad++;
        PyErr_Clear();
    }
    GC_EXIT();
    return bad;
}

/* Once a setter has started (or after 1 s), check `times` times that this thread has
 * no exception set. Returns how many times it saw one (clearing it, so as to return
 * clean). */
long es_observer(long times)
{
    long bad = 0;
    __atomic_add_fetch(&es_observers_running, 1, __ATOMIC_ACQ_REL);
    __atomic_add_fetch(&es_observers_started, 1, __ATOMIC_ACQ_REL);
    GC_ENTER();
    double deadline = es_now() + 1.0;
    while (!es_load(&es_setters_started) && es_now() < deadline) {
        Py_BEGIN_ALLOW_THREADS
        sched_yield();
        Py_END_ALLOW_THREADS
    }
    for (long i = 0; i < times; i++) {
        if (PyErr_Occurred()) {
            bad++;
            PyErr_Clear();
        }
        if (i % 64 == 0) {      /* let the setters in, with a GIL */
            Py_BEGIN_ALLOW_THREADS
            GC_SPIN();
            Py_END_ALLOW_THREADS
        }
    }
    GC_EXIT();
    __atomic_sub_fetch(&es_observers_running, 1, __ATOMIC_ACQ_REL);
    return bad;
}
