/* unowned_registry
 *
 * Guarantee: a C registry mapping keys to objects without holding a reference (the
 * object's dealloc removes it) can be looked up and the found object increfed safely,
 * because the GIL keeps the object's last reference from being dropped, and its
 * dealloc from running, between the lookup and the incref.
 * How it breaks: with the GIL off the owner drops the last reference during the spin;
 * the object unregisters itself and dies, and the reader increfs and reads freed memory
 * (or crashes).
 * Fix: look up under a lock that dealloc also takes, and take the reference with
 * PyUnstable_TryIncRef, which fails once the object is dying (3.14;
 * tryincref_registry).
 *
 * The entries carry the poisoned payload of gilcompat_poison.h (and use its quarantine
 * ring), with a dealloc of their own that first removes them from the registry.
 */
#include "gilcompat_poison.h"

#define UR_KEYS 4

typedef struct {
    PyObject_HEAD
    long payload;               /* GC_ITEM_GOOD while alive, GC_ITEM_POISON once dead */
    long key;
} ur_entry;

static PyObject *ur_type;
static PyObject *ur_registry[UR_KEYS];  /* key -> entry, holding NO reference */

static void ur_entry_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    ur_entry *entry = (ur_entry *)self;
    if (!gc_payload_poison_once(&entry->payload))
        return;                 /* a late decref of a dead entry: dealloc acts once */
    GC_ENTER();
    if (ur_registry[entry->key] == self)
        ur_registry[entry->key] = NULL;                 /* unregister as it dies */
    GC_EXIT();
    tp->tp_free(self);          /* gc_item_free: into the quarantine ring */
    Py_DECREF(tp);
}

static PyType_Slot ur_slots[] = {
    {Py_tp_dealloc, (void *)ur_entry_dealloc},
    {Py_tp_free, (void *)gc_item_free},
    {0, NULL},
};

static PyType_Spec ur_spec = {
    "gilcompat.RegistryEntry", sizeof(ur_entry), 0, Py_TPFLAGS_DEFAULT, ur_slots,
};

/* A new live entry registered under `key` (a new reference), or NULL with an
 * exception set. */
static PyObject *ur_entry_new(long key)
{
    PyTypeObject *tp = (PyTypeObject *)ur_type;
    PyObject *self = tp->tp_alloc(tp, 0);
    if (!self)
        return NULL;
    ((ur_entry *)self)->payload = GC_ITEM_GOOD;
    ((ur_entry *)self)->key = key;
    ur_registry[key] = self;                            /* no reference taken */
    return self;
}

static int ur_alive(PyObject *o)
{
    return Py_TYPE(o) == (PyTypeObject *)ur_type &&
           gc_payload_alive(&((ur_entry *)o)->payload);
}

/* Setup, between rounds (gilcompat: single-threaded): register a fresh entry under
 * every key, appended to `owned`, the writer's list that holds each entry's only
 * reference. Returns how many keys were filled. */
long ur_fill(PyObject *owned)
{
    long filled = 0;
    GC_ENTER();
    if (!ur_type)
        ur_type = PyType_FromSpec(&ur_spec);
    for (long k = 0; ur_type && k < UR_KEYS; k++) {
        PyObject *entry = ur_entry_new(k);
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
void ur_churn(PyObject *owned, long passes)
{
    for (long p = 0; p < passes; p++) {
        GC_ENTER();
        for (long k = 0; k < UR_KEYS; k++) {
            PyObject *entry;
            if (PyList_SetItem(owned, k, Py_NewRef(Py_None)) < 0 ||    /* old one dies */
                    !(entry = ur_entry_new(k)) ||
                    PyList_SetItem(owned, k, entry) < 0) {
                PyErr_Clear();
                break;
            }
            GC_SPIN();
        }
        GC_EXIT();
    }
}

/* The reader: look up, spin, incref, read. Returns how many reads saw a dead
 * (poisoned) entry; an empty key is no read. */
long ur_read(long reads)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; r < reads; r++) {
        PyObject *entry = ur_registry[r % UR_KEYS];     /* no reference of our own */
        if (!entry)
            continue;
        GC_SPIN();
        Py_INCREF(entry);
        if (!ur_alive(entry))
            bad++;
        Py_DECREF(entry);
    }
    GC_EXIT();
    return bad;
}
