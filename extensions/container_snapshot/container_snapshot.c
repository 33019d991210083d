/* container_snapshot
 *
 * Guarantee: copying a container with one C-API call, PySequence_List(set),
 * PySequence_List(list) or PyList_GetSlice(list, ...), gives a snapshot of one moment,
 * even while another thread mutates the container one element at a time. With the GIL
 * the copy runs under it; without, the interpreter locks the containers (critical
 * sections) around the copy.
 * How it could break: a GIL replacement that copied without locking would mix states
 * (an element twice, one missing, a half-moved element) or read a table being resized.
 * Fix: none needed in the extension: the interpreter must keep this.
 *
 * The set and the list each hold CS_N consecutive ints, k .. k + CS_N - 1. The mutator
 * adds (appends) k + CS_N, then discards (deletes, at index 0) k: one element at a
 * time, so any moment shows CS_N or CS_N + 1 consecutive ints, each once, and in the
 * list in ascending order. That is the invariant each snapshot must satisfy. Every
 * pass moves every list element down a slot, and the set's table keeps filling with
 * dummies and resizing.
 */
#include "gilcompat.h"
#include <limits.h>

#define CS_N 48
#define CS_BASE 1000000L        /* ints this big are objects of their own, not cached */

static long cs_first;           /* mutator only: the smallest int held, k */
static long cs_mutations;       /* mutations made: atomic */
static long cs_overlaps;        /* snapshots during which the mutator mutated: atomic */

/* Setup: fill the (empty) set and list; returns 0, or -1 on error. */
long cs_fill(PyObject *set, PyObject *list)
{
    long status = 0;
    GC_ENTER();
    cs_first = CS_BASE;
    __atomic_store_n(&cs_mutations, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&cs_overlaps, 0, __ATOMIC_RELAXED);
    for (long i = 0; i < CS_N && status == 0; i++) {
        PyObject *value = PyLong_FromLong(CS_BASE + i);
        if (!value || PySet_Add(set, value) < 0 || PyList_Append(list, value) < 0)
            status = -1;
        Py_XDECREF(value);
    }
    PyErr_Clear();
    GC_EXIT();
    return status;
}

static void cs_mutated(void)
{
    __atomic_fetch_add(&cs_mutations, 1, __ATOMIC_RELAXED);
}

/* The mutator: `passes` times, move the set and the list on by one int, an element at
 * a time (each call locks its container by itself). Returns -1 on error. */
long cs_churn(PyObject *set, PyObject *list, long passes)
{
    long status = 0;
    GC_ENTER();
    for (long p = 0; p < passes && status == 0; p++) {
        PyObject *old = PyLong_FromLong(cs_first);
        PyObject *new = PyLong_FromLong(cs_first + CS_N);
        if (!old || !new)
            status = -1;
        if (status == 0 && PySet_Add(set, new) < 0)
            status = -1;
        cs_mutated();
        if (status == 0 && PySet_Discard(set, old) != 1)
            status = -1;
        cs_mutated();
        if (status == 0 && PyList_Append(list, new) < 0)
            status = -1;
        cs_mutated();
        if (status == 0 && PyList_SetSlice(list, 0, 1, NULL) < 0)   /* the rest move down */
            status = -1;
        cs_mutated();
        Py_XDECREF(old);
        Py_XDECREF(new);
        cs_first++;
    }
    PyErr_Clear();
    GC_EXIT();
    return status;
}

/* Whether a snapshot (a list) shows one moment: CS_N or CS_N + 1 consecutive ints, each
 * once (in ascending order when `ordered`). */
static int cs_consistent(PyObject *snap, int ordered)
{
    Py_ssize_t size = PyList_GET_SIZE(snap);
    if (size != CS_N && size != CS_N + 1)
        return 0;
    long values[CS_N + 1], low = LONG_MAX;
    for (Py_ssize_t i = 0; i < size; i++) {
        values[i] = PyLong_AsLong(PyList_GET_ITEM(snap, i));
        if (values[i] == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            return 0;
        }
        if (values[i] < low)
            low = values[i];
    }
    char seen[CS_N + 1] = {0};
    for (Py_ssize_t i = 0; i < size; i++) {
        long offset = values[i] - low;      /* must be 0 .. size - 1, each once */
        if (offset >= size || seen[offset]++ || (ordered && offset != i))
            return 0;
    }
    return 1;
}

/* A reader: `reads` times, snapshot the set (PySequence_List) and the list (in turn
 * PyList_GetSlice and PySequence_List) and check each. Returns how many snapshots were
 * inconsistent, or -1 on error. */
long cs_snapshot(PyObject *set, PyObject *list, long reads)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; r < reads && bad >= 0; r++) {
        long mutations = __atomic_load_n(&cs_mutations, __ATOMIC_RELAXED);
        PyObject *of_set = PySequence_List(set);
        PyObject *of_list = r % 2 ? PySequence_List(list)
                                  : PyList_GetSlice(list, 0, PY_SSIZE_T_MAX);
        if (__atomic_load_n(&cs_mutations, __ATOMIC_RELAXED) != mutations)
            __atomic_fetch_add(&cs_overlaps, 1, __ATOMIC_RELAXED);
        if (!of_set || !of_list) {
            PyErr_Clear();
            bad = -1;
        }
        else
            bad += !cs_consistent(of_set, 0) + !cs_consistent(of_list, 1);
        Py_XDECREF(of_set);
        Py_XDECREF(of_list);
    }
    GC_EXIT();
    return bad;
}

/* Snapshots during which the mutator mutated, since cs_fill (none with a GIL). */
long cs_overlapped(void)
{
    return __atomic_load_n(&cs_overlaps, __ATOMIC_RELAXED);
}
