/* tryincref_registry
 *
 * Guarantee: a C registry mapping keys to objects without holding a reference stays
 * safe with or without the GIL when lookups and the objects' dealloc share a lock, and
 * a lookup takes its reference with PyUnstable_TryIncRef: the object is either alive
 * (TryIncRef succeeds, the reader owns a reference) or dying (its reference count is
 * zero, TryIncRef fails, and its dealloc waits on the lock to unregister it).
 * How it could break: only if PyUnstable_TryIncRef succeeded on a dying object, or the
 * lock failed; the GIL plays no part.
 * Fix (this is the fix for unowned_registry): PyUnstable_EnableTryIncRef on every
 * object before it is registered, a PyMutex around the registry (lookups and
 * dealloc's unregistering), PyUnstable_TryIncRef under it. Both functions are 3.14
 * C API (PyMutex is 3.13); older Pythons skip this case (min_python). This follows
 * the "weakmap" sketch in the PyUnstable_TryIncRef documentation.
 *
 * The reader spins between the lookup and TryIncRef, inside the lock, the window that
 * breaks unowned_registry: there the owner's last decref lands, dealloc blocks on the
 * lock, and TryIncRef must refuse the dying object (a plain Py_INCREF would let the
 * reader use it while dealloc goes on, which the second spin, outside the lock, would
 * show). The reader's Py_DECREF is outside the lock: it can be the last reference, and
 * dealloc takes the lock.
 * The entries carry the poisoned payload of gilcompat_poison.h (and use its
 * quarantine ring).
 */
#include "gilcompat_poison.h"

#if PY_VERSION_HEX < 0x030E0000 || defined(PYPY_VERSION)
#  error "tryincref_registry needs PyUnstable_TryIncRef (CPython 3.14+)"
#endif

#define TR_KEYS 4

typedef struct {
    PyObject_HEAD
    long payload;               /* GC_ITEM_GOOD while alive, GC_ITEM_POISON once dead */
    long key;
} tr_entry;

static PyObject *tr_type;
static PyMutex tr_lock;                 /* guards tr_registry; zero-initialised */
static PyObject *tr_registry[TR_KEYS];  /* key -> entry, holding NO reference */

static void tr_entry_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    tr_entry *entry = (tr_entry *)self;
    PyMutex_Lock(&tr_lock);
    if (tr_registry[entry->key] == self)
        tr_registry[entry->key] = NULL;                 /* unregister as it dies */
    PyMutex_Unlock(&tr_lock);
    __atomic_store_n(&entry->payload, GC_ITEM_POISON, __ATOMIC_RELEASE);
    tp->tp_free(self);          /* gc_item_free: into the quarantine ring */
    Py_DECREF(tp);
}

static PyType_Slot tr_slots[] = {
    {Py_tp_dealloc, (void *)tr_entry_dealloc},
    {Py_tp_free, (void *)gc_item_free},
    {0, NULL},
};

static PyType_Spec tr_spec = {
    "gilcompat.TryIncRefEntry", sizeof(tr_entry), 0, Py_TPFLAGS_DEFAULT, tr_slots,
};

/* A new live entry registered under `key` (a new reference), or NULL with an
 * exception set. */
static PyObject *tr_entry_new(long key)
{
    PyTypeObject *tp = (PyTypeObject *)tr_type;
    PyObject *self = tp->tp_alloc(tp, 0);
    if (!self)
        return NULL;
    ((tr_entry *)self)->payload = GC_ITEM_GOOD;
    ((tr_entry *)self)->key = key;
    PyUnstable_EnableTryIncRef(self);                   /* we hold a strong reference */
    PyMutex_Lock(&tr_lock);
    tr_registry[key] = self;                            /* no reference taken */
    PyMutex_Unlock(&tr_lock);
    return self;
}

static int tr_alive(PyObject *o)
{
    return Py_TYPE(o) == (PyTypeObject *)tr_type &&
           gc_payload_alive(&((tr_entry *)o)->payload);
}

/* Setup, between rounds (gilcompat: single-threaded): register a fresh entry under
 * every key, appended to `owned`, the writer's list that holds each entry's only
 * reference. Returns how many keys were filled. */
long tr_fill(PyObject *owned)
{
    long filled = 0;
    GC_ENTER();
    if (!tr_type)
        tr_type = PyType_FromSpec(&tr_spec);
    for (long k = 0; tr_type && k < TR_KEYS; k++) {
        PyObject *entry = tr_entry_new(k);
        if (!entry || PyList_Append(owned, entry) < 0) {
            Py_XDECREF(entry);
            break;
        }
        Py_DECREF(entry);
        filled++;
    }
    PyErr_Clear();
    GC_EXIT();
    return filled;
}

/* The writer (the owner): per key, drop the entry's last reference, its item in
 * `owned` (it unregisters itself and dies), then register a fresh one there. It spins
 * after each key, as long as a reader's window. */
void tr_churn(PyObject *owned, long passes)
{
    for (long p = 0; p < passes; p++) {
        GC_ENTER();
        for (long k = 0; k < TR_KEYS; k++) {
            PyObject *entry;
            if (PyList_SetItem(owned, k, Py_NewRef(Py_None)) < 0 ||    /* old one dies */
                    !(entry = tr_entry_new(k)) ||
                    PyList_SetItem(owned, k, entry) < 0) {
                PyErr_Clear();
                break;
            }
            GC_SPIN();
        }
        GC_EXIT();
    }
}

/* The reader: under the lock, look up, spin, try to take a reference; then spin, read
 * and drop it. Returns how many reads got a dead (poisoned) entry; an empty key or a
 * dying entry (TryIncRef refused it) is no read. */
long tr_read(long reads)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; r < reads; r++) {
        PyMutex_Lock(&tr_lock);
        PyObject *entry = tr_registry[r % TR_KEYS];     /* no reference of our own */
        if (entry) {
            GC_SPIN();
            if (!PyUnstable_TryIncRef(entry))
                entry = NULL;           /* dying: dealloc will unregister it */
        }
        PyMutex_Unlock(&tr_lock);
        if (!entry)
            continue;
        GC_SPIN();                      /* use it a while: dealloc may run meanwhile */
        if (!tr_alive(entry))
            bad++;
        Py_DECREF(entry);               /* outside the lock: may run dealloc */
    }
    GC_EXIT();
    return bad;
}
