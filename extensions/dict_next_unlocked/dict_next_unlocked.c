/* dict_next_unlocked
 *
 * Guarantee: a PyDict_Next loop inside PyGILState_Ensure() sees the dict as it was when
 * the loop began: every key once, none twice, because the GIL keeps every other thread
 * from inserting or deleting in between.
 * How it breaks: with the GIL off a mutator inserts and deletes during the loop. A key
 * the loop has passed is deleted and inserted again at the end: the loop sees it twice.
 * An insertion that resizes the dict compacts its entries, and the loop's position now
 * points past keys it has not seen: they are skipped. Entries read from a table being
 * replaced may be garbage (a crash).
 * Fix: run the loop inside Py_BEGIN_CRITICAL_SECTION(dict) (3.13+).
 * Twin: dict_next_critical.
 *
 * The dict holds DN_FIXED fixed keys (ints 0..63). The mutator's pass inserts DN_TEMP
 * temporary keys (64..191: the table grows), moves DN_MOVES fixed keys to the end of the
 * dict (delete, insert again), then deletes the temporary keys (the next insertions
 * compact or shrink the table). All keys are small ints, cached by the interpreter, so a
 * stale borrowed key still reads as its int. With the GIL a loop sees every fixed key
 * once and no temporary key; a loop is bad when it sees any key twice, misses more than
 * one fixed key (one may be in flight between its delete and its insert, which only a
 * GIL hides) or reads something that is not a key.
 */
#include "gilcompat.h"

#define DN_FIXED 64
#define DN_TEMP 128
#define DN_ALL (DN_FIXED + DN_TEMP)
#define DN_MOVES 8

static long dn_next_move;       /* mutator only: the fixed key it moves next */
static long dn_mutations;       /* inserts and deletes made: atomic */
static long dn_overlaps;        /* reader loops during which the mutator mutated: atomic */
static long dn_twice, dn_missed, dn_strange;   /* bad loops, by kind: atomic */

/* Setup: empty the dict and insert the fixed keys; returns the dict's size. */
long dn_fill(PyObject *dict)
{
    GC_ENTER();
    dn_next_move = 0;
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
            long k = dn_next_move;
            dn_next_move = (dn_next_move + 1) % DN_FIXED;
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

/* The reader: `loops` PyDict_Next loops, spinning after each entry. Returns how many
 * loops were bad (a key twice, more than one fixed key missed, a non-key read). */
long dn_read(PyObject *dict, long loops)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; r < loops; r++) {
        long mutations = __atomic_load_n(&dn_mutations, __ATOMIC_RELAXED);
        int seen[DN_ALL] = {0};
        int strange = 0, twice = 0, missed = 0;
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        while (PyDict_Next(dict, &pos, &key, &value)) {     /* borrowed */
            GC_SPIN();
            long k = PyLong_AsLong(key);
            if (k == -1 && PyErr_Occurred()) {
                PyErr_Clear();
                strange++;
            }
            else if (k < 0 || k >= DN_ALL)
                strange++;
            else if (seen[k]++)
                twice++;
        }
        for (long k = 0; k < DN_FIXED; k++)
            missed += !seen[k];
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
