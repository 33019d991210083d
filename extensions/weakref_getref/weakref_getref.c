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
#include <stddef.h>

#if !GC_HAVE_313_API
#  error "weakref_getref needs PyWeakref_GetRef (CPython 3.13+)"
#endif

#define WR_SLOTS 4

typedef struct {
    PyObject_HEAD
    long payload;               /* GC_ITEM_GOOD while alive, GC_ITEM_POISON once dead */
    PyObject *weaklist;
} wr_referent;

static PyObject *wr_type;
static long wr_torn;            /* referents increfed while dying (see dealloc) */
static PyObject *wr_weak[WR_SLOTS];     /* weakrefs to the referents `owned` holds */

static void wr_referent_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    if (__atomic_exchange_n(&((wr_referent *)self)->payload, GC_ITEM_POISON,
                            __ATOMIC_ACQ_REL) == GC_ITEM_POISON)
        return;                 /* a late decref of a dead referent: dealloc acts once */
    if (((wr_referent *)self)->weaklist) {
        /* PyObject_ClearWeakRefs refuses (SystemError) when a reader increfed the
         * dying referent: count that as evidence, and leave no exception behind. */
        PyObject *pending = PyErr_GetRaisedException();
        PyObject_ClearWeakRefs(self);
        if (PyErr_Occurred()) {
            PyErr_Clear();
            __atomic_fetch_add(&wr_torn, 1, __ATOMIC_RELAXED);
        }
        PyErr_SetRaisedException(pending);
    }
    tp->tp_free(self);          /* gc_item_free: into the quarantine ring */
    Py_DECREF(tp);
}

static PyMemberDef wr_members[] = {
    {"__weaklistoffset__", Py_T_PYSSIZET, offsetof(wr_referent, weaklist), Py_READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot wr_slots[] = {
    {Py_tp_dealloc, (void *)wr_referent_dealloc},
    {Py_tp_free, (void *)gc_item_free},
    {Py_tp_members, wr_members},
    {0, NULL},
};

static PyType_Spec wr_spec = {
    "gilcompat.WeakReferent", sizeof(wr_referent), 0, Py_TPFLAGS_DEFAULT, wr_slots,
};

/* A new live referent (a new reference), or NULL with an exception set. */
static PyObject *wr_referent_new(void)
{
    PyTypeObject *tp = (PyTypeObject *)wr_type;
    PyObject *self = tp->tp_alloc(tp, 0);
    if (self)
        ((wr_referent *)self)->payload = GC_ITEM_GOOD;
    return self;
}

static int wr_alive(PyObject *o)
{
    return Py_TYPE(o) == (PyTypeObject *)wr_type &&
           __atomic_load_n(&((wr_referent *)o)->payload, __ATOMIC_RELAXED) == GC_ITEM_GOOD;
}

/* Setup, between rounds (gilcompat: single-threaded): append a fresh referent per slot
 * to `owned` (its only strong reference) and point the slot's weakref at it. Returns
 * how many slots were filled. */
long wr_fill(PyObject *owned)
{
    long filled = 0;
    GC_ENTER();
    if (!wr_type)
        wr_type = PyType_FromSpec(&wr_spec);
    for (int k = 0; wr_type && k < WR_SLOTS; k++) {
        Py_CLEAR(wr_weak[k]);
        PyObject *referent = wr_referent_new();
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
    __atomic_store_n(&wr_torn, 0, __ATOMIC_RELAXED);
    GC_EXIT();
    return filled;
}

/* How many referents were increfed by a reader while they were being deallocated. */
long wr_torn_count(void)
{
    return __atomic_load_n(&wr_torn, __ATOMIC_RELAXED);
}

/* The writer: per slot, a fresh referent and weakref are published, the old weakref
 * retires to `retired`, and the old referent loses its last strong reference (its item
 * in `owned`) and dies. It spins after each slot, as long as a reader's window. */
void wr_churn(PyObject *owned, PyObject *retired, long passes)
{
    for (long p = 0; p < passes; p++) {
        GC_ENTER();
        for (int k = 0; k < WR_SLOTS; k++) {
            PyObject *referent = wr_referent_new();
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
        if (!wr_alive(referent))
            bad++;
        Py_DECREF(referent);
    }
    GC_EXIT();
    return bad;
}
