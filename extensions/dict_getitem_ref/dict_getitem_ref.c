/* dict_getitem_ref
 *
 * Guarantee: the strong reference PyDict_GetItemRef() returns keeps the value alive
 * while the caller uses it, whether or not there is a GIL: the reference is taken
 * inside the dict's own synchronisation, before any other thread can free the value.
 * How it could break: only if PyDict_GetItemRef or dict assignment/deletion were not
 * thread-safe; the GIL plays no part.
 * Fix (this is the fix for dict_borrowed_item): PyDict_GetItemRef instead of
 * PyDict_GetItem + Py_INCREF. It needs 3.13; older Pythons skip this case (min_python).
 *
 * The churn is dict_borrowed_item's; a use-after-free would show as a poisoned item
 * (gilcompat_poison.h).
 */
#include "gilcompat_poison.h"

#if !GC_HAVE_313_API
#  error "dict_getitem_ref needs PyDict_GetItemRef (CPython 3.13+)"
#endif

#define DR_MAX_KEYS 16

static PyObject *dr_keys[DR_MAX_KEYS];
static long dr_nkeys;

/* Setup, between rounds (gilcompat: single-threaded): map keys 0 .. n-1 to fresh
 * items (n at most DR_MAX_KEYS). */
void dr_fill(PyObject *dict, long n)
{
    GC_ENTER();
    if (n > DR_MAX_KEYS)
        n = DR_MAX_KEYS;
    dr_nkeys = 0;
    for (long k = 0; gc_item_ready() == 0 && k < n; k++) {
        if (!dr_keys[k] && !(dr_keys[k] = PyLong_FromLong(k)))
            break;
        PyObject *item = gc_item_new();
        if (!item || PyDict_SetItem(dict, dr_keys[k], item) < 0) {
            Py_XDECREF(item);
            break;
        }
        Py_DECREF(item);
        dr_nkeys = k + 1;
    }
    PyErr_Clear();      /* a failure shows as a short dict, which check() reports */
    GC_EXIT();
}

/* The writer: each pass sets every key to a fresh item (freeing the old one), except
 * that a quarter of the keys, changing each pass, are deleted instead. It spins after
 * each change, as long as a reader's window: about one change lands in every window,
 * and the dict's lock (free-threaded builds lock it for writes and for most reads of
 * fresh values) is not hammered into a convoy. */
void dr_churn(PyObject *dict, long passes)
{
    for (long p = 0; p < passes; p++) {
        GC_ENTER();
        for (long k = 0; k < dr_nkeys; k++) {
            if ((p + k) % 4 == 3) {
                if (PyDict_DelItem(dict, dr_keys[k]) < 0)      /* frees the value */
                    PyErr_Clear();                              /* already absent */
                GC_SPIN();
                continue;
            }
            PyObject *item = gc_item_new();
            if (!item || PyDict_SetItem(dict, dr_keys[k], item) < 0) {  /* frees the old */
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

/* The reader: take a strong reference, spin, read. Returns how many reads did not get
 * a live item (a poisoned payload, or an unexpected failure; a missing key is no read). */
long dr_read(PyObject *dict, long reads)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; dr_nkeys && r < reads; r++) {
        PyObject *item;
        int found = PyDict_GetItemRef(dict, dr_keys[r % dr_nkeys], &item);   /* strong */
        if (found < 0) {
            PyErr_Clear();
            bad++;
            continue;
        }
        if (found == 0)
            continue;                                   /* deleted just now */
        GC_SPIN();
        if (!gc_item_alive(item))
            bad++;
        Py_DECREF(item);
    }
    GC_EXIT();
    return bad;
}
