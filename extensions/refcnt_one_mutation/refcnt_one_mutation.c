/* refcnt_one_mutation
 *
 * Guarantee: inside PyGILState_Ensure(), Py_REFCNT(o) == 1 on an object one holds means
 * no one else holds it, so it may be mutated in place (CPython's own trick for
 * `s += t` on a str). With the GIL this is exact: another thread takes its reference
 * under the GIL, so the count it reads is the count when it mutates.
 * How it breaks: with the GIL off, a reader takes a strong reference between the
 * writer's check and its write, and the object it holds changes under it. On
 * free-threaded builds Py_REFCNT is only an estimate besides (biased reference counting
 * splits the count into an owner's part and a shared part, read one after the other).
 * Fix: none in 3.13's API. Do not mutate objects others may see; build a new object.
 * 3.14 adds PyUnstable_Object_IsUniquelyReferenced, and only for objects no other
 * thread can reach at all.
 * Twin: none (no 3.13 API to write it with).
 *
 * The object is a small box (a long) reachable only through a C global. The writer
 * bumps it in place whenever it finds it alone (refcount 1); readers take a strong
 * reference, read the value, spin (now and then releasing the GIL for a blocking call),
 * read it again and drop the reference. A reader holding a reference must see the same
 * value twice.
 */
#include "gilcompat.h"
#include <unistd.h>

typedef struct {
    PyObject_HEAD
    long value;
} rc_box;

static PyType_Slot rc_box_slots[] = {{0, NULL}};
static PyType_Spec rc_box_spec = {
    "gilcompat.RefcountBox", sizeof(rc_box), 0, Py_TPFLAGS_DEFAULT, rc_box_slots,
};

static PyObject *rc_box_type;
static PyObject *rc_slot;           /* the box: its only owner is this global */
static long rc_writer_steps;        /* writer checks made: atomic */
static long rc_overlaps;            /* short holds during which the writer ran: atomic */
static long rc_in_place;            /* writes done in place: atomic */
static long rc_kept_off;            /* checks that found the box shared: atomic */

/* Setup: a fresh box with value 0, held by the global only. Returns its refcount (1),
 * or -1 on error. */
long rc_setup(void)
{
    long refcnt = -1;
    GC_ENTER();
    if (!rc_box_type)
        rc_box_type = PyType_FromSpec(&rc_box_spec);
    if (rc_box_type) {
        PyTypeObject *tp = (PyTypeObject *)rc_box_type;
        PyObject *box = tp->tp_alloc(tp, 0);
        if (box) {
            ((rc_box *)box)->value = 0;
            Py_XSETREF(rc_slot, box);
            refcnt = (long)Py_REFCNT(box);
        }
    }
    PyErr_Clear();
    __atomic_store_n(&rc_writer_steps, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&rc_overlaps, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&rc_in_place, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&rc_kept_off, 0, __ATOMIC_RELAXED);
    GC_EXIT();
    return refcnt;
}

/* The writer: `steps` times, if the box is alone (refcount 1), bump it in place. */
void rc_write(long steps)
{
    GC_ENTER();
    for (long s = 0; s < steps; s++) {
        PyObject *box = rc_slot;
        if (Py_REFCNT(box) == 1) {          /* "only I hold it" */
            GC_SPIN();
            GC_SPIN();
            ((rc_box *)box)->value++;       /* mutate in place */
            __atomic_fetch_add(&rc_in_place, 1, __ATOMIC_RELAXED);
        }
        else
            __atomic_fetch_add(&rc_kept_off, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&rc_writer_steps, 1, __ATOMIC_RELAXED);
    }
    GC_EXIT();
}

/* A reader: `reads` times, take a strong reference, read, spin, read again. One time
 * in 8 it also makes a blocking call in between, letting go of the GIL (as a call back
 * into Python might): then, with a GIL, a waiting writer runs while the reference is
 * held, and finds the refcount at 2. Returns how many holds saw the value change. */
long rc_read(long reads)
{
    long changed = 0;
    GC_ENTER();
    for (long r = 0; r < reads; r++) {
        GC_SPIN();                              /* not holding: the writer's chance */
        PyObject *box = Py_NewRef(rc_slot);     /* mine now: refcount >= 2 */
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
        Py_DECREF(box);
        changed += before != after;
    }
    GC_EXIT();
    return changed;
}

/* Short reader holds (no blocking call) during which the writer checked the refcount,
 * since rc_setup: the two ran at once (never with a GIL). */
long rc_overlapped(void)
{
    return __atomic_load_n(&rc_overlaps, __ATOMIC_RELAXED);
}

/* Writes the writer did in place, since rc_setup. */
long rc_in_place_writes(void)
{
    return __atomic_load_n(&rc_in_place, __ATOMIC_RELAXED);
}

/* Writer checks that found the box shared (and kept their hands off), since rc_setup. */
long rc_kept_off_writes(void)
{
    return __atomic_load_n(&rc_kept_off, __ATOMIC_RELAXED);
}
