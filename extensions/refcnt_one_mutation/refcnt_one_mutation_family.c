/* refcnt_one_mutation family scaffolding.
 *
 * Guarantee: a writer that mutates a box in place only when no one else holds it never
 * changes a box a reader holds. How it breaks: with the GIL off, Py_REFCNT(box) == 1
 * on a box other threads can reach (refcnt_one_mutation.c) lets a reader take its
 * reference between the test and the write. Fix: the test under a lock every reader's
 * incref also takes (refcnt_unique_locked).
 *
 * Here: the box type, its setup, the writer's loop around the member's rc_write_step
 * and the readers' loop around its rc_take (each call under GC_ENTER, as a capi face's
 * call holds the GIL). The writer makes the box at its first step, so the box is the
 * writer's own (free-threaded builds: its owning thread, which
 * PyUnstable_Object_IsUniquelyReferenced asks for).
 */
#include "refcnt_one_mutation_family.h"
#include <unistd.h>

static PyType_Slot rc_box_slots[] = {{0, NULL}};
static PyType_Spec rc_box_spec = {
    "gilcompat.RefcountBox", sizeof(rc_box), 0, Py_TPFLAGS_DEFAULT, rc_box_slots,
};

static PyObject *rc_box_type;
PyObject *rc_slot;                  /* the box: its only owner is this global */
static long rc_writer_steps;        /* writer checks made: atomic */
static long rc_overlaps;            /* short holds during which the writer ran: atomic */
static long rc_in_place;            /* writes done in place: atomic */
static long rc_kept_off;            /* checks that found the box shared: atomic */

/* The box type, made once. Setup runs on one thread, but a published pointer costs
 * nothing: a compare-and-swap keeps the first. Returns 0, or -1 with an exception set. */
static int rc_box_ready(void)
{
    if (__atomic_load_n(&rc_box_type, __ATOMIC_ACQUIRE))
        return 0;
    PyObject *made = PyType_FromSpec(&rc_box_spec), *none = NULL;
    if (!made)
        return -1;
    if (!__atomic_compare_exchange_n(&rc_box_type, &none, made, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        Py_DECREF(made);
    return 0;
}

/* Setup (one thread): no box yet (the writer makes it), counters at zero. Returns 0,
 * or -1 when the box type cannot be made. */
long rc_setup(void)
{
    long ok = 0;
    GC_ENTER();
    if (rc_box_ready() < 0) {
        PyErr_Clear();
        ok = -1;
    }
    Py_CLEAR(rc_slot);
    __atomic_store_n(&rc_writer_steps, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&rc_overlaps, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&rc_in_place, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&rc_kept_off, 0, __ATOMIC_RELAXED);
    GC_EXIT();
    return ok;
}

/* The writer's first step, before any reader starts: a box with value 0, held by the
 * global only. Returns 0, or -1 on failure. */
static int rc_make_box(void)
{
    PyTypeObject *tp = (PyTypeObject *)rc_box_type;
    PyObject *box = tp->tp_alloc(tp, 0);
    if (!box) {
        PyErr_Clear();
        return -1;
    }
    ((rc_box *)box)->value = 0;
    __atomic_store_n(&rc_slot, box, __ATOMIC_RELEASE);     /* readers start after this */
    return 0;
}

/* The writer: `steps` member steps (bump the box in place if it is alone). Returns 0,
 * or -1 when the box could not be made. */
long rc_write(long steps)
{
    long failed = 0;
    GC_ENTER();
    if (!__atomic_load_n(&rc_slot, __ATOMIC_ACQUIRE) && rc_make_box() < 0)
        failed = -1;
    for (long s = 0; !failed && s < steps; s++) {
        if (rc_write_step())
            __atomic_fetch_add(&rc_in_place, 1, __ATOMIC_RELAXED);
        else
            __atomic_fetch_add(&rc_kept_off, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&rc_writer_steps, 1, __ATOMIC_RELAXED);
        for (int i = 0; i < 4; i++)     /* between steps, as long as a reader's hold: */
            GC_SPIN();                  /* a lock the step takes is free meanwhile */
    }
    GC_EXIT();
    return failed;
}

/* A reader: `reads` times, take a strong reference, read, spin, read again. One time
 * in 8 it also makes a blocking call in between, letting go of the GIL (as a call back
 * into Python might): then, with a GIL, a waiting writer runs while the reference is
 * held, and finds the box shared. Returns how many holds saw the value change. */
long rc_read(long reads)
{
    long changed = 0;
    GC_ENTER();
    for (long r = 0; r < reads; r++) {
        GC_SPIN();                              /* not holding: the writer's chance */
        PyObject *box = rc_take();
        long steps = __atomic_load_n(&rc_writer_steps, __ATOMIC_RELAXED);
        long before = ((rc_box *)box)->value;
        for (int i = 0; i < 4; i++)             /* twice as wide as the writer's */
            GC_SPIN();
        if (r % 8 == 0) {
            Py_BEGIN_ALLOW_THREADS
            usleep(1);
            Py_END_ALLOW_THREADS
        }
        else if (__atomic_load_n(&rc_writer_steps, __ATOMIC_RELAXED) != steps)
            __atomic_fetch_add(&rc_overlaps, 1, __ATOMIC_RELAXED);     /* ran at once */
        long after = ((rc_box *)box)->value;
        rc_drop(box);
        changed += before != after;
    }
    GC_EXIT();
    return changed;
}

/* Short reader holds (no blocking call) during which the writer made steps, since
 * rc_setup: the two ran at once (never with a GIL). */
long rc_overlapped(void)
{
    return __atomic_load_n(&rc_overlaps, __ATOMIC_RELAXED);
}

/* Writes the writer did in place, since rc_setup. */
long rc_in_place_writes(void)
{
    return __atomic_load_n(&rc_in_place, __ATOMIC_RELAXED);
}

/* Writer steps that found the box shared (and kept their hands off), since rc_setup. */
long rc_kept_off_writes(void)
{
    return __atomic_load_n(&rc_kept_off, __ATOMIC_RELAXED);
}
