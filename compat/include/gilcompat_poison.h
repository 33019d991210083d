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
    if (__atomic_exchange_n(&((gc_item *)self)->payload, GC_ITEM_POISON, __ATOMIC_ACQ_REL)
            == GC_ITEM_POISON)
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

/* Whether ``o`` is a live item: not poisoned (freed), and of the item type at all. */
static inline int gc_item_alive(PyObject *o)
{
    return o && Py_TYPE(o) == (PyTypeObject *)gc_item_type &&
           __atomic_load_n(&((gc_item *)o)->payload, __ATOMIC_RELAXED) == GC_ITEM_GOOD;
}

#endif /* GILCOMPAT_POISON_H */
