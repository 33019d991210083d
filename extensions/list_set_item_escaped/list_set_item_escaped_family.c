/* list_set_item_escaped family scaffolding.
 *
 * Guarantee: writers that replace the items of a list other threads can see drop each
 * old item once and lose no new one. How it breaks: with the GIL off, the GIL-era
 * PyList_GET_ITEM / PyList_SET_ITEM / Py_DECREF step (list_set_item_escaped.c) lets
 * two writers share one `old`. Fix: PyList_SetItem (list_setitem_locked).
 *
 * Here: the list's setup, the writers' loop around the member's ls_replace, the
 * reader's loop, and the evidence. Every call runs under GC_ENTER, as a capi face's
 * call holds the GIL. The items are poisoned items (gilcompat_poison.h: their memory
 * sits in a quarantine once freed, so a late read sees the poison and a late decref
 * lands on dead memory) of a type of this file's own, whose dealloc also counts: each
 * item is made and freed once, so at the end of a round the items made minus the items
 * freed must be exactly the list's length. More is a new item that was overwritten and
 * leaked; a reader that finds a poisoned item saw its reference dropped by someone
 * else.
 */
#include "gilcompat_poison.h"
#include "list_set_item_escaped_family.h"

/* gc_item's payload protocol, in a type made afresh each round: an item of an earlier
 * round (its list dies after the next round's setup) is of an earlier type and is not
 * counted in this one. */
typedef struct {
    PyObject_HEAD
    long payload;
} ls_item;

static PyObject *ls_item_type;      /* this round's; set only in setup */
enum { LS_MADE, LS_FREED, LS_FREED_AGAIN, LS_COUNTS };
static long ls_counts[LS_COUNTS];   /* this round's items */

static void ls_count(PyTypeObject *tp, int what)
{
    if ((PyObject *)tp == ls_item_type)
        __atomic_fetch_add(&ls_counts[what], 1, __ATOMIC_RELAXED);
}

static void ls_item_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    if (!gc_payload_poison_once(&((ls_item *)self)->payload)) {
        ls_count(tp, LS_FREED_AGAIN);   /* a late decref brought it to zero again */
        return;
    }
    ls_count(tp, LS_FREED);
    tp->tp_free(self);              /* gc_item_free: into the quarantine */
    Py_DECREF(tp);
}

static PyType_Slot ls_item_slots[] = {
    {Py_tp_dealloc, (void *)ls_item_dealloc},
    {Py_tp_free, (void *)gc_item_free},
    {0, NULL},
};

static PyType_Spec ls_item_spec = {
    "gilcompat.ListSlotItem", sizeof(ls_item), 0, Py_TPFLAGS_DEFAULT, ls_item_slots,
};

/* A new live item of this round (a new reference), or NULL with an exception set. */
static PyObject *ls_item_new(void)
{
    PyTypeObject *tp = (PyTypeObject *)ls_item_type;
    PyObject *item = tp->tp_alloc(tp, 0);
    if (!item)
        return NULL;
    ((ls_item *)item)->payload = GC_ITEM_GOOD;
    ls_count(tp, LS_MADE);
    return item;
}

static int ls_item_alive(PyObject *o)
{
    return o && Py_TYPE(o) == (PyTypeObject *)ls_item_type &&
           gc_payload_alive(&((ls_item *)o)->payload);
}

/* Item i as a strong reference (NULL with an exception set on failure), taken the way
 * each build makes safe: PyList_GetItemRef from 3.13, elsewhere a new reference under
 * the GIL. */
static PyObject *ls_take(PyObject *list, Py_ssize_t i)
{
#if GC_HAVE_313_API
    return PyList_GetItemRef(list, i);
#else
    return PySequence_GetItem(list, i);
#endif
}

/* Setup: a new round (a new item type, its counts at zero) and n fresh items appended
 * to the list (a failure shows as a short list, which check() reports). */
void ls_fill(PyObject *list, long n)
{
    GC_ENTER();
    Py_XSETREF(ls_item_type, PyType_FromSpec(&ls_item_spec));
    for (int what = 0; what < LS_COUNTS; what++)
        __atomic_store_n(&ls_counts[what], 0, __ATOMIC_RELAXED);
    for (long i = 0; ls_item_type && i < n; i++) {
        PyObject *item = ls_item_new();
        if (!item || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            break;
        }
        Py_DECREF(item);
    }
    PyErr_Clear();
    GC_EXIT();
}

/* A writer: `times` replacements, slot after slot, each one step under GC_ENTER.
 * Returns how many failed. */
long ls_write(PyObject *list, long times)
{
    long failed = 0;
    for (long t = 0; t < times; t++) {
        GC_ENTER();
        Py_ssize_t n = PyList_GET_SIZE(list);
        PyObject *item = n ? ls_item_new() : NULL;
        if (!item || ls_replace(list, t % n, item) < 0) {
            PyErr_Clear();
            failed++;
        }
        GC_EXIT();
    }
    return failed;
}

/* The reader: take a strong reference, hold it through the spin, read it. Returns how
 * many reads did not find a live item (it was freed under the reader's reference, or
 * the take failed). */
long ls_read(PyObject *list, long reads)
{
    long bad = 0;
    GC_ENTER();
    Py_ssize_t n = PyList_GET_SIZE(list);   /* the list never changes size */
    for (long r = 0; n && r < reads; r++) {
        PyObject *item = ls_take(list, r % n);
        if (!item) {
            PyErr_Clear();
            bad++;
            continue;
        }
        GC_SPIN();                  /* holding a reference a double decref may drop */
        if (!ls_item_alive(item))
            bad++;
        Py_DECREF(item);
    }
    GC_EXIT();
    return bad;
}

/* This round's count: 0 items made, 1 items freed, 2 deallocs of an item already
 * freed; 3 slots of `list` that hold no live item (after the stress). */
long ls_evidence(PyObject *list, long what)
{
    if (what >= 0 && what < LS_COUNTS)
        return __atomic_load_n(&ls_counts[what], __ATOMIC_RELAXED);
    return ls_read(list, PyList_GET_SIZE(list));
}
