/* dict_next_critical
 *
 * Guarantee: a PyDict_Next loop inside Py_BEGIN_CRITICAL_SECTION(dict) sees the dict as
 * it was when the loop began, with or without the GIL: the critical section locks the
 * dict's own mutex, which every insert and delete (PyDict_SetItem, PyDict_DelItem) takes
 * too, so the dict cannot change or resize during the loop.
 * How it could break: only if the critical section failed to exclude a mutation.
 * Fix (this is the fix for dict_next_unlocked): the same loop, inside a critical
 * section on the dict. Critical sections need 3.13; older Pythons skip this case
 * (min_python). On a GIL build the macros do nothing and the GIL does the same job.
 *
 * The dict and the mutator are dict_next_unlocked's: DC_FIXED fixed keys moved to the
 * end one at a time, DC_TEMP temporary keys inserted and deleted to grow and shrink the
 * table. Each insert and delete locks the dict by itself, so between two of them a loop
 * may find one fixed key in flight (deleted, not yet inserted again) and some temporary
 * keys: a loop is bad when it sees any key twice, misses more than one fixed key or
 * reads something that is not a key.
 *
 * (The mutator does not hold the dict's critical section across a delete and its
 * insert: in 3.13 critical sections are not reentrant, and the nested one inside
 * PyDict_DelItem would suspend the outer one, so the pair would not be atomic anyway.)
 */
#include "gilcompat.h"

#if !GC_HAVE_313_API
#  error "dict_next_critical needs Py_BEGIN_CRITICAL_SECTION (CPython 3.13+)"
#endif

#define DC_FIXED 64
#define DC_TEMP 128
#define DC_ALL (DC_FIXED + DC_TEMP)
#define DC_MOVES 8

static long dc_next_move;       /* mutator only: the fixed key it moves next */
static long dc_mutations;       /* inserts and deletes made: atomic */
static long dc_overlaps;        /* reader loops during which the mutator mutated: atomic */
static long dc_twice, dc_missed, dc_strange;   /* bad loops, by kind: atomic */

/* Setup: empty the dict and insert the fixed keys; returns the dict's size. */
long dc_fill(PyObject *dict)
{
    GC_ENTER();
    __atomic_store_n(&dc_next_move, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&dc_mutations, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&dc_overlaps, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&dc_twice, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&dc_missed, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&dc_strange, 0, __ATOMIC_RELAXED);
    PyDict_Clear(dict);
    for (long k = 0; k < DC_FIXED; k++) {
        PyObject *key = PyLong_FromLong(k);
        if (!key || PyDict_SetItem(dict, key, Py_None) < 0) {
            Py_XDECREF(key);
            break;
        }
        Py_DECREF(key);
    }
    PyErr_Clear();
    long size = (long)PyDict_Size(dict);
    GC_EXIT();
    return size;
}

/* One insert or delete of key k; each is one locked dict operation. */
static int dc_set(PyObject *dict, long k, int insert)
{
    PyObject *key = PyLong_FromLong(k);
    if (!key)
        return -1;
    int status = insert ? PyDict_SetItem(dict, key, Py_None) : PyDict_DelItem(dict, key);
    Py_DECREF(key);
    __atomic_fetch_add(&dc_mutations, 1, __ATOMIC_RELAXED);
    return status;
}

/* The mutator: `passes` times, insert the temporary keys, move DC_MOVES fixed keys to
 * the end, delete the temporary keys. Returns -1 on error. */
long dc_churn(PyObject *dict, long passes)
{
    int status = 0;
    GC_ENTER();
    for (long p = 0; p < passes && status == 0; p++) {
        for (long k = DC_FIXED; k < DC_ALL && status == 0; k++)
            status = dc_set(dict, k, 1);
        for (long m = 0; m < DC_MOVES && status == 0; m++) {
            long k = __atomic_fetch_add(&dc_next_move, 1, __ATOMIC_RELAXED) % DC_FIXED;
            status = dc_set(dict, k, 0);
            GC_SPIN();
            if (status == 0)
                status = dc_set(dict, k, 1);
        }
        for (long k = DC_FIXED; k < DC_ALL && status == 0; k++)
            status = dc_set(dict, k, 0);
    }
    PyErr_Clear();
    GC_EXIT();
    return status;
}

/* The reader: `loops` PyDict_Next loops, each inside a critical section on the dict,
 * spinning after each entry. Returns how many loops were bad (a key twice, more than
 * one fixed key missed, a non-key read). */
long dc_read(PyObject *dict, long loops)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; r < loops; r++) {
        long mutations = __atomic_load_n(&dc_mutations, __ATOMIC_RELAXED);
        int seen[DC_ALL] = {0};
        int strange = 0, twice = 0, missed = 0;
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        Py_BEGIN_CRITICAL_SECTION(dict);
        while (PyDict_Next(dict, &pos, &key, &value)) {     /* borrowed, dict locked */
            GC_SPIN();
            long k = PyLong_AsLong(key);
            if (k == -1 && PyErr_Occurred()) {
                PyErr_Clear();
                strange++;
            }
            else if (k < 0 || k >= DC_ALL)
                strange++;
            else if (seen[k]++)
                twice++;
        }
        Py_END_CRITICAL_SECTION();
        for (long k = 0; k < DC_FIXED; k++)
            missed += !seen[k];
        if (__atomic_load_n(&dc_mutations, __ATOMIC_RELAXED) != mutations)
            __atomic_fetch_add(&dc_overlaps, 1, __ATOMIC_RELAXED);
        if (twice)
            __atomic_fetch_add(&dc_twice, 1, __ATOMIC_RELAXED);
        if (missed > 1)
            __atomic_fetch_add(&dc_missed, 1, __ATOMIC_RELAXED);
        if (strange)
            __atomic_fetch_add(&dc_strange, 1, __ATOMIC_RELAXED);
        bad += twice || missed > 1 || strange;
    }
    GC_EXIT();
    return bad;
}

/* Reader loops during which the mutator mutated the dict, since dc_fill (none with a
 * GIL: the scenario uses it to make sure the race window was really exercised). */
long dc_overlapped(void)
{
    return __atomic_load_n(&dc_overlaps, __ATOMIC_RELAXED);
}

/* Bad loops by kind, since dc_fill: 0 twice, 1 missed, 2 strange. */
long dc_bad_loops(long kind)
{
    long *counter = kind == 0 ? &dc_twice : kind == 1 ? &dc_missed : &dc_strange;
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}
