/* dict_next_unlocked family scaffolding: the dict's fill, the mutator, the reader's
 * loops (each call under GC_ENTER, as a capi face's call holds the GIL) and the
 * evidence; the loop itself is the member's (dn_loop).
 *
 * The dict holds DN_FIXED fixed keys (ints 0..63). The mutator's pass inserts DN_TEMP
 * temporary keys (64..191: the table grows), moves DN_MOVES fixed keys to the end of the
 * dict (delete, insert again), then deletes the temporary keys (the next insertions
 * compact or shrink the table). All keys are small ints, cached by the interpreter, so a
 * stale borrowed key still reads as its int. Each insert and delete locks the dict by
 * itself, so between two of them a loop may find one fixed key in flight (deleted, not
 * yet inserted again) and some temporary keys: a loop is bad when it sees any key twice,
 * misses more than one fixed key or reads something that is not a key.
 *
 * (The mutator does not hold the dict's critical section across a delete and its
 * insert: in 3.13 critical sections are not reentrant, and the nested one inside
 * PyDict_DelItem would suspend the outer one, so the pair would not be atomic anyway.)
 */
#include "dict_next_unlocked_family.h"

#define DN_FIXED 64
#define DN_TEMP 128
#define DN_ALL (DN_FIXED + DN_TEMP)
#define DN_MOVES 8
#define DN_STRANGE DN_ALL       /* a loop's tally: each key's count, then the non-keys */

static long dn_next_move;       /* the fixed key the mutator moves next: atomic */
static long dn_mutations;       /* inserts and deletes made: atomic */
static long dn_overlaps;        /* reader loops during which the mutator mutated: atomic */
static long dn_twice, dn_missed, dn_strange;   /* bad loops, by kind: atomic */

/* Setup: empty the dict and insert the fixed keys; returns the dict's size. */
long dn_fill(PyObject *dict)
{
    GC_ENTER();
    __atomic_store_n(&dn_next_move, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&dn_mutations, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&dn_overlaps, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&dn_twice, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&dn_missed, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&dn_strange, 0, __ATOMIC_RELAXED);
    PyDict_Clear(dict);
    for (long k = 0; k < DN_FIXED; k++) {
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
static int dn_set(PyObject *dict, long k, int insert)
{
    PyObject *key = PyLong_FromLong(k);
    if (!key)
        return -1;
    int status = insert ? PyDict_SetItem(dict, key, Py_None) : PyDict_DelItem(dict, key);
    Py_DECREF(key);
    __atomic_fetch_add(&dn_mutations, 1, __ATOMIC_RELAXED);
    return status;
}

/* The mutator: `passes` times, insert the temporary keys, move DN_MOVES fixed keys to
 * the end, delete the temporary keys. Returns -1 on error. */
long dn_churn(PyObject *dict, long passes)
{
    int status = 0;
    GC_ENTER();
    for (long p = 0; p < passes && status == 0; p++) {
        for (long k = DN_FIXED; k < DN_ALL && status == 0; k++)
            status = dn_set(dict, k, 1);
        for (long m = 0; m < DN_MOVES && status == 0; m++) {
            long k = __atomic_fetch_add(&dn_next_move, 1, __ATOMIC_RELAXED) % DN_FIXED;
            status = dn_set(dict, k, 0);
            GC_SPIN();
            if (status == 0)
                status = dn_set(dict, k, 1);
        }
        for (long k = DN_FIXED; k < DN_ALL && status == 0; k++)
            status = dn_set(dict, k, 0);
    }
    PyErr_Clear();
    GC_EXIT();
    return status;
}

void dn_saw(int *seen, PyObject *key)
{
    long k = PyLong_AsLong(key);
    if (k == -1 && PyErr_Occurred())
        PyErr_Clear();
    seen[k < 0 || k >= DN_ALL ? DN_STRANGE : k]++;
}

/* The reader: `loops` loops (dn_loop). Returns how many loops were bad (a key twice,
 * more than one fixed key missed, a non-key read). */
long dn_read(PyObject *dict, long loops)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; r < loops; r++) {
        long mutations = __atomic_load_n(&dn_mutations, __ATOMIC_RELAXED);
        int seen[DN_STRANGE + 1] = {0};
        dn_loop(dict, seen);
        int twice = 0, missed = 0, strange = seen[DN_STRANGE];
        for (long k = 0; k < DN_ALL; k++) {
            twice += seen[k] > 1;
            missed += k < DN_FIXED && !seen[k];
        }
        if (__atomic_load_n(&dn_mutations, __ATOMIC_RELAXED) != mutations)
            __atomic_fetch_add(&dn_overlaps, 1, __ATOMIC_RELAXED);
        if (twice)
            __atomic_fetch_add(&dn_twice, 1, __ATOMIC_RELAXED);
        if (missed > 1)
            __atomic_fetch_add(&dn_missed, 1, __ATOMIC_RELAXED);
        if (strange)
            __atomic_fetch_add(&dn_strange, 1, __ATOMIC_RELAXED);
        bad += twice || missed > 1 || strange;
    }
    GC_EXIT();
    return bad;
}

/* Reader loops during which the mutator mutated the dict, since dn_fill (none with a
 * GIL: the scenario uses it to make sure the race window was really exercised). */
long dn_overlapped(void)
{
    return __atomic_load_n(&dn_overlaps, __ATOMIC_RELAXED);
}

/* Bad loops by kind, since dn_fill: 0 twice, 1 missed, 2 strange. */
long dn_bad_loops(long kind)
{
    long *counter = kind == 0 ? &dn_twice : kind == 1 ? &dn_missed : &dn_strange;
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}
