/* weakref_borrowed family scaffolding.
 *
 * Guarantee: a referent a reader takes through a weakref stays alive while the reader
 * uses it. How it breaks: with the GIL off, a reader that only borrowed the referent
 * (weakref_borrowed.c) sees it die, its last strong reference dropped by the writer,
 * before its incref. Fix: PyWeakref_GetRef, a strong reference or "dead"
 * (weakref_getref).
 *
 * Here: the slots' setup, the writer, and the reader's loop around the member's
 * wb_take (each call under GC_ENTER, as a capi face's call holds the GIL). The items
 * of gilcompat_poison.h cannot be weakly referenced, so the referents are its
 * gc_weak_item type, with a weak-reference list and the same poisoning; the header
 * keeps its state per file, so every referent is made and checked here.
 *
 * Slot k is a weakref in a C array, read by every thread; its referent's only strong
 * reference is item k of the writer's list `owned`. The writer makes a fresh referent
 * and weakref, publishes the weakref, then replaces the list item, which drops the old
 * referent's last reference. A replaced weakref is not freed but handed to `retired`
 * (a list that lives until the round ends), so a reader's weakref object itself is
 * always valid: the only hazard left is the referent's.
 */
#include "gilcompat_poison.h"
#include "weakref_borrowed_family.h"

#define WB_SLOTS 4

static PyObject *wb_weak[WB_SLOTS];     /* weakrefs to the referents `owned` holds */

/* Setup, between rounds (gilcompat: single-threaded): append a fresh referent per slot
 * to `owned` (its only strong reference) and point the slot's weakref at it. Returns
 * how many slots were filled. */
long wb_fill(PyObject *owned)
{
    long filled = 0;
    GC_ENTER();
    for (int k = 0; gc_weak_item_ready() == 0 && k < WB_SLOTS; k++) {
        Py_CLEAR(wb_weak[k]);
        PyObject *referent = gc_weak_item_new();
        PyObject *weak = referent ? PyWeakref_NewRef(referent, NULL) : NULL;
        if (!weak || PyList_Append(owned, referent) < 0) {
            Py_XDECREF(weak);
            Py_XDECREF(referent);
            break;
        }
        Py_DECREF(referent);
        wb_weak[k] = weak;
        filled++;
    }
    PyErr_Clear();
    __atomic_store_n(&gc_weak_item_torn, 0, __ATOMIC_RELAXED);
    GC_EXIT();
    return filled;
}

/* How many referents were increfed by a reader while they were being deallocated. */
long wb_torn_count(void)
{
    return __atomic_load_n(&gc_weak_item_torn, __ATOMIC_RELAXED);
}

/* The writer: per slot, a fresh referent and weakref are published, the old weakref
 * retires to `retired`, and the old referent loses its last strong reference (its item
 * in `owned`) and dies. It spins after each slot, as long as a reader's window. */
void wb_churn(PyObject *owned, PyObject *retired, long passes)
{
    for (long p = 0; p < passes; p++) {
        GC_ENTER();
        for (int k = 0; k < WB_SLOTS; k++) {
            PyObject *referent = gc_weak_item_new();
            PyObject *weak = referent ? PyWeakref_NewRef(referent, NULL) : NULL;
            if (!weak || PyList_Append(retired, wb_weak[k]) < 0) {
                Py_XDECREF(weak);
                Py_XDECREF(referent);
                PyErr_Clear();
                break;
            }
            PyObject *old_weak = wb_weak[k];
            __atomic_store_n(&wb_weak[k], weak, __ATOMIC_RELEASE);
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

/* The reader: take, read. Returns how many reads did not get a live referent (a
 * poisoned payload, or an unexpected failure); a weakref already dead is no read. */
long wb_read(long reads)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; r < reads; r++) {
        PyObject *weak = __atomic_load_n(&wb_weak[r % WB_SLOTS], __ATOMIC_ACQUIRE);
        PyObject *referent;
        int found = wb_take(weak, &referent);
        if (found < 0) {
            PyErr_Clear();
            bad++;
            continue;
        }
        if (found == 0)
            continue;                                       /* died just now */
        if (!gc_weak_item_alive(referent))
            bad++;
        Py_DECREF(referent);
    }
    GC_EXIT();
    return bad;
}
