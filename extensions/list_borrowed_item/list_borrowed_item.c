/* list_borrowed_item
 *
 * Guarantee: the borrowed reference PyList_GetItem() returns stays valid until the
 * caller takes its own reference, because the GIL keeps every other thread from
 * replacing (and freeing) the item in between.
 * How it breaks: with the GIL off a writer replaces the slot during the spin and frees
 * the old item; the reader increfs and reads freed memory (or crashes).
 * Fix: PyList_GetItemRef(), which returns a strong reference (list_getitem_ref).
 *
 * A use-after-free is made visible with a small C type whose dealloc poisons its
 * payload: every live item holds LB_GOOD, a freed one LB_POISON. Like a debug
 * allocator, freed items wait in a quarantine (the last 2^18 of them) before their
 * memory is reused, so a late read sees the poison rather than a recycled object, and
 * a late incref lands on dead memory rather than corrupting the heap (which can hang
 * the run). A late decref can dealloc a dead item again: dealloc acts only once.
 */
#include "gilcompat.h"

#define LB_GOOD 42
#define LB_POISON 0xdead

typedef struct {
    PyObject_HEAD
    long payload;
} lb_item;

#define LB_QUARANTINE (1 << 18)    /* freed items kept out of reuse: about 14 MB */

static PyObject *lb_type;       /* created by lb_fill, before any thread starts */
static void *lb_quarantine[LB_QUARANTINE];
static unsigned long lb_freed;

/* tp_free: park the item in the quarantine ring; really free the one it displaces. */
static void lb_free(void *self)
{
    unsigned long slot = __atomic_fetch_add(&lb_freed, 1, __ATOMIC_RELAXED) % LB_QUARANTINE;
    PyObject_Free(__atomic_exchange_n(&lb_quarantine[slot], self, __ATOMIC_ACQ_REL));
}

static void lb_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    if (__atomic_exchange_n(&((lb_item *)self)->payload, LB_POISON, __ATOMIC_ACQ_REL)
            == LB_POISON)
        return;
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyType_Slot lb_slots[] = {
    {Py_tp_dealloc, (void *)lb_dealloc},
    {Py_tp_free, (void *)lb_free},
    {0, NULL},
};

static PyType_Spec lb_spec = {
    "list_borrowed_item.Item", sizeof(lb_item), 0, Py_TPFLAGS_DEFAULT, lb_slots,
};

static PyObject *lb_new(void)
{
    PyTypeObject *tp = (PyTypeObject *)lb_type;
    PyObject *item = tp->tp_alloc(tp, 0);
    if (item)
        ((lb_item *)item)->payload = LB_GOOD;
    return item;
}

/* Setup: append n fresh items to the list. */
void lb_fill(PyObject *list, long n)
{
    GC_ENTER();
    if (!lb_type)
        lb_type = PyType_FromSpec(&lb_spec);
    for (long i = 0; lb_type && i < n; i++) {
        PyObject *item = lb_new();
        if (!item || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            break;
        }
        Py_DECREF(item);
    }
    GC_EXIT();
}

/* The writer: replace every slot with a fresh item, `passes` times. */
void lb_replace(PyObject *list, long passes)
{
    for (long p = 0; p < passes; p++) {
        GC_ENTER();
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
            PyObject *item = lb_new();
            if (!item || PyList_SetItem(list, i, item) < 0)   /* frees the old item */
                break;
        }
        GC_EXIT();
    }
}

/* The reader: borrow, spin, incref, read. Returns how many reads saw a bad payload. */
long lb_read(PyObject *list, long reads)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; r < reads; r++) {
        PyObject *item = PyList_GetItem(list, r % PyList_GET_SIZE(list));   /* borrowed */
        GC_SPIN();
        Py_INCREF(item);
        if (((lb_item *)item)->payload != LB_GOOD)
            bad++;
        Py_DECREF(item);
    }
    GC_EXIT();
    return bad;
}
