/* list_stale_size family scaffolding: the list's fill, the mutator, the reader's loops
 * (each call under GC_ENTER, as a capi face's call holds the GIL), the overlap count,
 * and the poisoned items that make a stale read visible (gilcompat_poison.h keeps its
 * state per file, so every item is made and checked here); the loop itself is the
 * member's (ls_loop).
 *
 * Items are the poisoned type of gilcompat_poison.h: a popped item is freed at once and
 * poisoned, so a read through a stale slot shows. The mutator keeps the list between
 * LS_LOW and LS_HIGH items, within its allocation of 16 slots (list_resize neither grows
 * nor shrinks the array), so a stale slot points at a quarantined item, not at garbage.
 * Every pop and append locks the list by itself.
 */
#include "gilcompat_poison.h"
#include "list_stale_size_family.h"

#define LS_LOW 9
#define LS_HIGH 16

static long ls_mutations;   /* pops and appends the mutator made: atomic */
static long ls_overlaps;    /* reader loops during which the mutator mutated: atomic */

/* Setup: fill the (empty) list with LS_HIGH fresh items; returns its size. */
long ls_fill(PyObject *list)
{
    GC_ENTER();
    __atomic_store_n(&ls_mutations, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&ls_overlaps, 0, __ATOMIC_RELAXED);
    gc_items_append(list, LS_HIGH);
    long size = (long)PyList_GET_SIZE(list);
    GC_EXIT();
    return size;
}

/* The mutator: `passes` times, pop the list down to LS_LOW items (each popped item is
 * freed and poisoned), spin, append fresh items back up to LS_HIGH. Returns -1 on error. */
long ls_churn(PyObject *list, long passes)
{
    long status = 0;
    GC_ENTER();
    for (long p = 0; p < passes && status == 0; p++) {
        for (Py_ssize_t n = PyList_GET_SIZE(list); status == 0 && n > LS_LOW; n--) {
            if (PyList_SetSlice(list, n - 1, n, NULL) < 0)      /* pop the last item */
                status = -1;
            __atomic_fetch_add(&ls_mutations, 1, __ATOMIC_RELAXED);
        }
        GC_SPIN();
        while (status == 0 && PyList_GET_SIZE(list) < LS_HIGH) {
            PyObject *item = gc_item_new();
            if (!item || PyList_Append(list, item) < 0)
                status = -1;
            Py_XDECREF(item);
            __atomic_fetch_add(&ls_mutations, 1, __ATOMIC_RELAXED);
        }
    }
    PyErr_Clear();
    GC_EXIT();
    return status;
}

int ls_alive(PyObject *item)
{
    return gc_item_alive(item);
}

/* The reader: `loops` loops (ls_loop). Returns how many reads saw a freed (poisoned)
 * item or NULL. */
long ls_read(PyObject *list, long loops)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; r < loops; r++) {
        long mutations = __atomic_load_n(&ls_mutations, __ATOMIC_RELAXED);
        bad += ls_loop(list);
        if (__atomic_load_n(&ls_mutations, __ATOMIC_RELAXED) != mutations)
            __atomic_fetch_add(&ls_overlaps, 1, __ATOMIC_RELAXED);
    }
    GC_EXIT();
    return bad;
}

/* Reader loops during which the mutator mutated the list, since ls_fill (none with a GIL:
 * the scenario uses it to make sure the race window was really exercised). */
long ls_overlapped(void)
{
    return __atomic_load_n(&ls_overlaps, __ATOMIC_RELAXED);
}
