/* gil_state_api
 *
 * Guarantee (interpreter): the PyGILState API keeps working for every thread, with a
 * GIL or without: PyGILState_Ensure() nests (an inner Ensure/Release pair leaves the
 * outer one usable), PyGILState_Check() is true between Ensure and Release, and a
 * thread Python has never seen (a pthread started in C) can call Ensure and run Python
 * code. On a free-threaded build "holding the GIL" means "attached thread state".
 * How it would break: an interpreter that dropped or half-kept this API (Ensure that
 * does not nest, Check false while attached, Ensure failing on a foreign thread) breaks
 * every C library that calls back into Python.
 * Fix: none in the extension; this is the interpreter's job.
 *
 * Each check that fails counts one failure; the functions return the count.
 */
#include "gilcompat.h"
#include <pthread.h>

/* Python work to prove the thread may run Python code: build an int and a str from
 * it, and read them back. Returns 1 when something is wrong. */
static int gs_python_works(long value)
{
    int bad = 0;
    PyObject *number = PyLong_FromLong(value);
    PyObject *text = number ? PyObject_Str(number) : NULL;
    PyObject *back = text ? PyLong_FromUnicodeObject(text, 10) : NULL;
    if (!back || PyLong_AsLong(back) != value)
        bad = 1;
    Py_XDECREF(back);
    Py_XDECREF(text);
    Py_XDECREF(number);
    if (PyErr_Occurred()) {
        PyErr_Clear();
        bad = 1;
    }
    return bad;
}

/* Ensure, nested Ensure, Check inside each level, Python work at each level. */
static long gs_nested_round(long value)
{
    long bad = 0;
    PyGILState_STATE outer = PyGILState_Ensure();
    bad += !PyGILState_Check();
    bad += gs_python_works(value);
    PyGILState_STATE inner = PyGILState_Ensure();
    bad += !PyGILState_Check();
    bad += gs_python_works(value + 1);
    PyGILState_Release(inner);
    bad += !PyGILState_Check();      /* the outer Ensure still holds */
    bad += gs_python_works(value + 2);
    PyGILState_Release(outer);
    return bad;
}

/* From a thread Python already knows (cffi: the GIL is released; capi: it is held, and
 * the outer Ensure nests on it). Returns the failures. */
long gs_nested(long times)
{
    long bad = 0;
    for (long i = 0; i < times; i++) {
        bad += gs_nested_round(i);
        if (i % 16 == 0) {      /* with a GIL, let the other threads in */
            GC_ENTER();
            Py_BEGIN_ALLOW_THREADS
            GC_SPIN();
            Py_END_ALLOW_THREADS
            GC_EXIT();
        }
    }
    return bad;
}

typedef struct {
    long cycles, times, bad;
} gs_job;

/* A pthread Python has never seen: `cycles` times, a first Ensure (which must make a
 * thread state for it), Check, Python code and `times` nested rounds on top, then the
 * Release that ends its thread state again. */
static void *gs_foreign_main(void *arg)
{
    gs_job *job = arg;
    for (long c = 0; c < job->cycles; c++) {
        PyGILState_STATE first = PyGILState_Ensure();
        job->bad += !PyGILState_Check();
        job->bad += gs_python_works(1000 + c);
        for (long i = 0; i < job->times; i++)
            job->bad += gs_nested_round(2000 + i);
        PyGILState_Release(first);
    }
    return NULL;
}

/* Start `threads` pthreads Python has never seen (see gs_foreign_main). The caller
 * waits for them without the GIL (it may hold it: capi faces). Returns the failures,
 * plus one for each pthread that could not be started. */
long gs_foreign(long threads, long cycles, long times)
{
    long bad = 0;
    pthread_t ids[16];
    gs_job jobs[16];
    int started[16];
    if (threads > 16)
        threads = 16;
    GC_ENTER();
    Py_BEGIN_ALLOW_THREADS
    for (long t = 0; t < threads; t++) {
        jobs[t].cycles = cycles;
        jobs[t].times = times;
        jobs[t].bad = 0;
        started[t] = pthread_create(&ids[t], NULL, gs_foreign_main, &jobs[t]) == 0;
        bad += !started[t];
    }
    for (long t = 0; t < threads; t++) {
        if (started[t]) {
            pthread_join(ids[t], NULL);
            bad += jobs[t].bad;
        }
    }
    Py_END_ALLOW_THREADS
    GC_EXIT();
    return bad;
}
