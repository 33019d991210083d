/* gilcompat_poison.h: a small object type that makes a use-after-free visible.
 *
 * On free-threaded builds biased reference counting and delayed memory reuse make a
 * use-after-free silent: a late read of a freed int still sees the int. Objects of
 * this type hold a payload (GC_ITEM_GOOD while alive); their dealloc poisons it
 * (GC_ITEM_POISON), so a read through a dangling borrowed reference sees the poison.
 *
 * Like a debug allocator, freed items wait in a quarantine ring (the last 2^18 of
 * them) before their memory really goes back, so a late read sees the poison rather
 * than a recycled object, and a late incref lands on dead memory rather than corrupting
 * the heap (which can livelock the allocator). A late decref can dealloc a dead item
 * again: dealloc acts only once.
 *
 * Include it in one case source; call gc_item_ready() (with the GIL / attached) before
 * any thread makes items.
 */
#ifndef GILCOMPAT_POISON_H
#define GILCOMPAT_POISON_H

#include "gilcompat.h"

#define GC_ITEM_GOOD 42
#define GC_ITEM_POISON 0xdead
#define GC_ITEM_QUARANTINE (1 << 18)     /* freed items kept out of reuse: about 14 MB */

typedef struct {
    PyObject_HEAD
    long payload;
} gc_item;

static PyObject *gc_item_type;

/* The payload protocol, for item types of a case's own (a dealloc that does more).
 * Poison once: 1 the first time (go on and free), 0 when the item was already dead
 * (a late decref of freed memory: do nothing more). */
static inline int gc_payload_poison_once(long *payload)
{
    return __atomic_exchange_n(payload, GC_ITEM_POISON, __ATOMIC_ACQ_REL) != GC_ITEM_POISON;
}

static inline int gc_payload_alive(long *payload)
{
    /* A plain read on purpose: racing a dealloc's poisoning is exactly the bug under
     * test, and a plain read lets ThreadSanitizer see that race (an atomic one would
     * hide it; the quarantine hides the use-after-free itself). */
    return *(volatile long *)payload == GC_ITEM_GOOD;
}
static void *gc_item_quarantine[GC_ITEM_QUARANTINE];
static unsigned long gc_item_freed;

/* tp_free: park the item in the quarantine ring; really free the one it displaces. */
static void gc_item_free(void *self)
{
    unsigned long slot =
        __atomic_fetch_add(&gc_item_freed, 1, __ATOMIC_RELAXED) % GC_ITEM_QUARANTINE;
    PyObject_Free(__atomic_exchange_n(&gc_item_quarantine[slot], self, __ATOMIC_ACQ_REL));
}

static void gc_item_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    if (!gc_payload_poison_once(&((gc_item *)self)->payload))
        return;
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyType_Slot gc_item_slots[] = {
    {Py_tp_dealloc, (void *)gc_item_dealloc},
    {Py_tp_free, (void *)gc_item_free},
    {0, NULL},
};

static PyType_Spec gc_item_spec = {
    "gilcompat.PoisonedItem", sizeof(gc_item), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, gc_item_slots,
};

/* Create the type once; returns 0 on success, -1 with an exception set. */
static inline int gc_item_ready(void)
{
    if (!gc_item_type)
        gc_item_type = PyType_FromSpec(&gc_item_spec);
    return gc_item_type ? 0 : -1;
}

/* A new live item (a new reference), or NULL with an exception set. */
static inline PyObject *gc_item_new(void)
{
    PyTypeObject *tp = (PyTypeObject *)gc_item_type;
    PyObject *item = tp->tp_alloc(tp, 0);
    if (item)
        ((gc_item *)item)->payload = GC_ITEM_GOOD;
    return item;
}

/* Append `n` fresh items to `list` (a setup step, with the thread state attached);
 * stops at the first failure and clears it: a short list is the evidence. */
static inline void gc_items_append(PyObject *list, long n)
{
    for (long i = 0; gc_item_ready() == 0 && i < n; i++) {
        PyObject *item = gc_item_new();
        if (!item || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            break;
        }
        Py_DECREF(item);
    }
    PyErr_Clear();
}

/* Whether ``o`` is a live item: not poisoned (freed), and of the item type at all. */
static inline int gc_item_alive(PyObject *o)
{
    return o && Py_TYPE(o) == (PyTypeObject *)gc_item_type &&
           gc_payload_alive(&((gc_item *)o)->payload);
}

/* ---- Items that can be weakly referenced (the weakref cases' referents) ---- */

#if PY_VERSION_HEX >= 0x030C0000
#  define GC_T_PYSSIZET Py_T_PYSSIZET
#  define GC_READONLY Py_READONLY
#else
#  include <structmember.h>
#  define GC_T_PYSSIZET T_PYSSIZET
#  define GC_READONLY READONLY
#endif
#include <stddef.h>

typedef struct {
    PyObject_HEAD
    long payload;               /* GC_ITEM_GOOD while alive, GC_ITEM_POISON once dead */
    PyObject *weaklist;
} gc_weak_item;

static PyObject *gc_weak_item_type;
static long gc_weak_item_torn;  /* referents increfed by a reader while dying */

static void gc_weak_item_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    if (!gc_payload_poison_once(&((gc_weak_item *)self)->payload))
        return;
    if (((gc_weak_item *)self)->weaklist) {
        /* PyObject_ClearWeakRefs refuses (SystemError) when a racing reader increfed
         * the dying referent: count that as evidence, and leave no exception behind. */
#if PY_VERSION_HEX >= 0x030C0000
        PyObject *pending = PyErr_GetRaisedException();
#else
        PyObject *pending_type, *pending, *pending_tb;
        PyErr_Fetch(&pending_type, &pending, &pending_tb);
#endif
        PyObject_ClearWeakRefs(self);
        if (PyErr_Occurred()) {
            PyErr_Clear();
            __atomic_fetch_add(&gc_weak_item_torn, 1, __ATOMIC_RELAXED);
        }
#if PY_VERSION_HEX >= 0x030C0000
        PyErr_SetRaisedException(pending);
#else
        PyErr_Restore(pending_type, pending, pending_tb);
#endif
    }
    tp->tp_free(self);          /* gc_item_free: into the quarantine ring */
    Py_DECREF(tp);
}

static PyMemberDef gc_weak_item_members[] = {
    {"__weaklistoffset__", GC_T_PYSSIZET, offsetof(gc_weak_item, weaklist), GC_READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot gc_weak_item_slots[] = {
    {Py_tp_dealloc, (void *)gc_weak_item_dealloc},
    {Py_tp_free, (void *)gc_item_free},
    {Py_tp_members, gc_weak_item_members},
    {0, NULL},
};

static PyType_Spec gc_weak_item_spec = {
    "gilcompat.WeakReferent", sizeof(gc_weak_item), 0, Py_TPFLAGS_DEFAULT,
    gc_weak_item_slots,
};

static inline int gc_weak_item_ready(void)
{
    if (!gc_weak_item_type)
        gc_weak_item_type = PyType_FromSpec(&gc_weak_item_spec);
    return gc_weak_item_type ? 0 : -1;
}

static inline PyObject *gc_weak_item_new(void)
{
    PyTypeObject *tp = (PyTypeObject *)gc_weak_item_type;
    PyObject *self = tp->tp_alloc(tp, 0);
    if (self)
        ((gc_weak_item *)self)->payload = GC_ITEM_GOOD;
    return self;
}

static inline int gc_weak_item_alive(PyObject *o)
{
    return o && Py_TYPE(o) == (PyTypeObject *)gc_weak_item_type &&
           gc_payload_alive(&((gc_weak_item *)o)->payload);
}

#endif /* GILCOMPAT_POISON_H */
