/* dict_borrowed_item family scaffolding.
 *
 * Guarantee: a value a reader takes from the dict stays alive while the reader uses
 * it. How it breaks: with the GIL off, a reader that only borrowed the value
 * (dict_borrowed_item.c) sees it freed by the writer before its incref. Fix:
 * PyDict_GetItemRef, a strong reference (dict_getitem_ref).
 *
 * Here: the dict's setup, the writer, and the reader's loop around the member's
 * db_take (each call under GC_ENTER, as a capi face's call holds the GIL). A
 * use-after-free is made visible by the poisoned item type of gilcompat_poison.h,
 * which keeps its state per file, so every item is made and checked here. The keys
 * are small ints, made once: hashing them never fails or runs Python code.
 */
#include "gilcompat_poison.h"
#include "dict_borrowed_item_family.h"

#define DB_MAX_KEYS 16

static PyObject *db_keys[DB_MAX_KEYS];
static long db_nkeys;

/* Setup, between rounds (gilcompat: single-threaded): map keys 0 .. n-1 to fresh
 * items (n at most DB_MAX_KEYS). */
void db_fill(PyObject *dict, long n)
{
    GC_ENTER();
    if (n > DB_MAX_KEYS)
        n = DB_MAX_KEYS;
    db_nkeys = 0;
    for (long k = 0; gc_item_ready() == 0 && k < n; k++) {
        if (!db_keys[k] && !(db_keys[k] = PyLong_FromLong(k)))
            break;
        PyObject *item = gc_item_new();
        if (!item || PyDict_SetItem(dict, db_keys[k], item) < 0) {
            Py_XDECREF(item);
            break;
        }
        Py_DECREF(item);
        db_nkeys = k + 1;
    }
    PyErr_Clear();      /* a failure shows as a short dict, which check() reports */
    GC_EXIT();
}

/* The writer: each pass sets every key to a fresh item (freeing the old one), except
 * that a quarter of the keys, changing each pass, are deleted instead. It spins after
 * each change, as long as a reader's window: about one change lands in every window,
 * and the dict's lock (free-threaded builds lock it for writes and for most reads of
 * fresh values) is not hammered into a convoy. */
void db_churn(PyObject *dict, long passes)
{
    for (long p = 0; p < passes; p++) {
        GC_ENTER();
        for (long k = 0; k < db_nkeys; k++) {
            if ((p + k) % 4 == 3) {
                if (PyDict_DelItem(dict, db_keys[k]) < 0)      /* frees the value */
                    PyErr_Clear();                              /* already absent */
                GC_SPIN();
                continue;
            }
            PyObject *item = gc_item_new();
            if (!item || PyDict_SetItem(dict, db_keys[k], item) < 0) {  /* frees the old */
                Py_XDECREF(item);
                PyErr_Clear();
                break;
            }
            Py_DECREF(item);
            GC_SPIN();
        }
        GC_EXIT();
    }
}

PyObject *db_fresh_item(void)
{
    return gc_item_new();
}

/* The reader: take, read. Returns how many reads did not get a live item (a poisoned
 * payload, or an unexpected failure; a missing key is no read). */
long db_read(PyObject *dict, long reads)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; db_nkeys && r < reads; r++) {
        PyObject *item;
        int found = db_take(dict, db_keys[r % db_nkeys], &item);
        if (found < 0) {
            PyErr_Clear();
            bad++;
            continue;
        }
        if (found == 0)
            continue;                                   /* deleted just now */
        if (!gc_item_alive(item))
            bad++;
        Py_DECREF(item);
    }
    GC_EXIT();
    return bad;
}
