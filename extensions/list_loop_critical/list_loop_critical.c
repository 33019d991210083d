/* list_loop_critical
 *
 * Guarantee: a loop that reads n = PyList_GET_SIZE(list) once and then
 * PyList_GET_ITEM(list, i) for every i < n, inside Py_BEGIN_CRITICAL_SECTION(list),
 * only ever sees live items, with or without the GIL: the critical section locks the
 * list's own mutex, which every list mutation (PyList_Append, PyList_SetSlice, pop)
 * takes too, so no thread shrinks the list in between.
 * How it could break: only if the critical section failed to exclude a mutation.
 * Fix (this is the fix for list_stale_size): the same loop, inside a critical section
 * on the list. Critical sections need 3.13; older Pythons skip this case (min_python).
 * On a GIL build the macros do nothing and the GIL does the same job.
 *
 * The mutator is list_stale_size's, unchanged: its pops and appends each lock the list
 * internally. Items are the poisoned type of gilcompat_poison.h, so reading a popped
 * (freed) item would show.
 */
#include "gilcompat_poison.h"

#if !GC_HAVE_313_API
#  error "list_loop_critical needs Py_BEGIN_CRITICAL_SECTION (CPython 3.13+)"
#endif

#define LC_LOW 9
#define LC_HIGH 16

static long lc_mutations;   /* pops and appends the mutator made: atomic */
static long lc_overlaps;    /* reader loops during which the mutator mutated: atomic */

/* Setup: fill the (empty) list with LC_HIGH fresh items; returns its size. */
long lc_fill(PyObject *list)
{
    GC_ENTER();
    __atomic_store_n(&lc_mutations, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&lc_overlaps, 0, __ATOMIC_RELAXED);
    for (long i = 0; gc_item_ready() == 0 && i < LC_HIGH; i++) {
        PyObject *item = gc_item_new();
        if (!item || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            break;
        }
        Py_DECREF(item);
    }
    PyErr_Clear();
    long size = (long)PyList_GET_SIZE(list);
    GC_EXIT();
    return size;
}

/* The mutator: `passes` times, pop the list down to LC_LOW items (each popped item is
 * freed and poisoned), spin, append fresh items back up to LC_HIGH. Every call locks
 * the list itself. Returns -1 on error. */
long lc_churn(PyObject *list, long passes)
{
    long status = 0;
    GC_ENTER();
    for (long p = 0; p < passes && status == 0; p++) {
        for (Py_ssize_t n = PyList_GET_SIZE(list); status == 0 && n > LC_LOW; n--) {
            if (PyList_SetSlice(list, n - 1, n, NULL) < 0)      /* pop the last item */
                status = -1;
            __atomic_fetch_add(&lc_mutations, 1, __ATOMIC_RELAXED);
        }
        GC_SPIN();
        while (status == 0 && PyList_GET_SIZE(list) < LC_HIGH) {
            PyObject *item = gc_item_new();
            if (!item || PyList_Append(list, item) < 0)
                status = -1;
            Py_XDECREF(item);
            __atomic_fetch_add(&lc_mutations, 1, __ATOMIC_RELAXED);
        }
    }
    PyErr_Clear();
    GC_EXIT();
    return status;
}

/* The reader: `loops` times, inside a critical section on the list, take the size once
 * and read every item below it, spinning before each read. Returns how many reads saw
 * a freed (poisoned) item or NULL. */
long lc_read(PyObject *list, long loops)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; r < loops; r++) {
        long mutations = __atomic_load_n(&lc_mutations, __ATOMIC_RELAXED);
        Py_BEGIN_CRITICAL_SECTION(list);
        Py_ssize_t n = PyList_GET_SIZE(list);
        for (Py_ssize_t i = 0; i < n; i++) {
            GC_SPIN();
            PyObject *item = PyList_GET_ITEM(list, i);      /* borrowed, list locked */
            if (!gc_item_alive(item))
                bad++;
        }
        Py_END_CRITICAL_SECTION();
        if (__atomic_load_n(&lc_mutations, __ATOMIC_RELAXED) != mutations)
            __atomic_fetch_add(&lc_overlaps, 1, __ATOMIC_RELAXED);
    }
    GC_EXIT();
    return bad;
}

/* Reader loops during which the mutator mutated the list, since lc_fill (none with a GIL:
 * the scenario uses it to make sure the two really ran at once). */
long lc_overlapped(void)
{
    return __atomic_load_n(&lc_overlaps, __ATOMIC_RELAXED);
}
