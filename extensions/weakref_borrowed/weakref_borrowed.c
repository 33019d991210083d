/* weakref_borrowed
 *
 * Guarantee: the borrowed reference PyWeakref_GetObject() returns stays valid until the
 * caller takes its own reference, because the GIL keeps every other thread from
 * dropping the referent's last strong reference (and freeing it) in between.
 * How it breaks: with the GIL off a writer drops the last strong reference during the
 * spin; the referent dies, and the reader increfs and reads freed memory (or crashes).
 * Fix: PyWeakref_GetRef(), which returns a strong reference or reports the referent
 * dead (weakref_getref). PyWeakref_GetObject is deprecated since 3.13 for this reason.
 *
 * The items of gilcompat_poison.h cannot be weakly referenced, so the referents are a
 * gc_weak_item type of the same header, with a weak-reference list and the same
 * poisoning.
 *
 * Slot k is a weakref in a C array, read by every thread; its referent's only strong
 * reference is item k of the writer's list `owned`. The writer makes a fresh referent
 * and weakref, publishes the weakref, then replaces the list item, which drops the old
 * referent's last reference. A replaced weakref is not freed but handed to `retired`
 * (a list that lives until the round ends), so a reader's weakref object itself is
 * always valid: the only hazard left is the referent's.
 */
#include "gilcompat_poison.h"

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

/* The reader: borrow the referent, spin, incref, read. Returns how many reads saw a
 * dead (poisoned) referent; a weakref already dead (None) is no read. */
long wb_read(long reads)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; r < reads; r++) {
        PyObject *weak = __atomic_load_n(&wb_weak[r % WB_SLOTS], __ATOMIC_ACQUIRE);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        PyObject *referent = PyWeakref_GetObject(weak);       /* borrowed */
#pragma GCC diagnostic pop
        if (!referent) {
            PyErr_Clear();
            bad++;
            continue;
        }
        if (referent == Py_None)
            continue;                                       /* died just now */
        GC_SPIN();
        Py_INCREF(referent);
        if (!gc_weak_item_alive(referent))
            bad++;
        Py_DECREF(referent);
    }
    GC_EXIT();
    return bad;
}
