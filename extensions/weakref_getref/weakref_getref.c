/* weakref_getref
 *
 * Guarantee: the strong reference PyWeakref_GetRef() returns keeps the referent alive
 * while the caller uses it, whether or not there is a GIL: the reference is taken
 * atomically, and only while the referent's reference count is not zero (otherwise
 * the call reports the referent dead).
 * How it could break: only if PyWeakref_GetRef or weakref clearing in dealloc were not
 * thread-safe; the GIL plays no part.
 * Fix (this is the fix for weakref_borrowed): PyWeakref_GetRef instead of
 * PyWeakref_GetObject + Py_INCREF. It needs 3.13; older Pythons skip this case
 * (min_python).
 *
 * The referents, slots and churn are weakref_borrowed's (a weakly referenceable type
 * with a poisoned payload, a writer dropping each referent's last strong reference,
 * its item in `owned`; replaced weakrefs kept alive in `retired` until the round ends).
 */
#include "gilcompat_poison.h"

#if !GC_HAVE_313_API
#  error "weakref_getref needs PyWeakref_GetRef (CPython 3.13+)"
#endif

#define WR_SLOTS 4

static PyObject *wr_weak[WR_SLOTS];     /* weakrefs to the referents `owned` holds */

/* Setup, between rounds (gilcompat: single-threaded): append a fresh referent per slot
 * to `owned` (its only strong reference) and point the slot's weakref at it. Returns
 * how many slots were filled. */
long wr_fill(PyObject *owned)
{
    long filled = 0;
    GC_ENTER();
    for (int k = 0; gc_weak_item_ready() == 0 && k < WR_SLOTS; k++) {
        Py_CLEAR(wr_weak[k]);
        PyObject *referent = gc_weak_item_new();
        PyObject *weak = referent ? PyWeakref_NewRef(referent, NULL) : NULL;
        if (!weak || PyList_Append(owned, referent) < 0) {
            Py_XDECREF(weak);
            Py_XDECREF(referent);
            break;
        }
        Py_DECREF(referent);
        wr_weak[k] = weak;
        filled++;
    }
    PyErr_Clear();
    __atomic_store_n(&gc_weak_item_torn, 0, __ATOMIC_RELAXED);
    GC_EXIT();
    return filled;
}

/* How many referents were increfed by a reader while they were being deallocated. */
long wr_torn_count(void)
{
    return __atomic_load_n(&gc_weak_item_torn, __ATOMIC_RELAXED);
}

/* The writer: per slot, a fresh referent and weakref are published, the old weakref
 * retires to `retired`, and the old referent loses its last strong reference (its item
 * in `owned`) and dies. It spins after each slot, as long as a reader's window. */
void wr_churn(PyObject *owned, PyObject *retired, long passes)
{
    for (long p = 0; p < passes; p++) {
        GC_ENTER();
        for (int k = 0; k < WR_SLOTS; k++) {
            PyObject *referent = gc_weak_item_new();
            PyObject *weak = referent ? PyWeakref_NewRef(referent, NULL) : NULL;
            if (!weak || PyList_Append(retired, wr_weak[k]) < 0) {
                Py_XDECREF(weak);
                Py_XDECREF(referent);
                PyErr_Clear();
                break;
            }
            PyObject *old_weak = wr_weak[k];
            __atomic_store_n(&wr_weak[k], weak, __ATOMIC_RELEASE);
            Py_DECREF(old_weak);    /* `retired` keeps it alive */
            if (PyList_SetItem(owned, k, referent) < 0) {   /* the old referent dies */
                PyErr_Clear();
                break;
            }
            GC_SPIN();
        }
        GC_EXIT();
    }
}

/* The reader: take a strong reference, spin, read. Returns how many reads did not get
 * a live referent (a poisoned payload, or an unexpected failure); a weakref already
 * dead is no read. */
long wr_read(long reads)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; r < reads; r++) {
        PyObject *weak = __atomic_load_n(&wr_weak[r % WR_SLOTS], __ATOMIC_ACQUIRE);
        PyObject *referent;
        int found = PyWeakref_GetRef(weak, &referent);      /* strong */
        if (found < 0) {
            PyErr_Clear();
            bad++;
            continue;
        }
        if (found == 0)
            continue;                                       /* died just now */
        GC_SPIN();
        if (!gc_weak_item_alive(referent))
            bad++;
        Py_DECREF(referent);
    }
    GC_EXIT();
    return bad;
}
