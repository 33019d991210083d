/* refcnt_unique_locked
 *
 * Guarantee: "no one else holds it" tested where no new reference can appear stays
 * true until the write: the writer tests and writes under a PyMutex that every reader
 * also takes to incref the box, so a reader either holds its reference before the test
 * (and the test sees it) or takes it after the write.
 * How it could break: only if the reference count a thread reads for its own object
 * were not exact once no one can add to it; the GIL plays no part.
 * Fix (this is the fix for refcnt_one_mutation): the lock, and
 * PyUnstable_Object_IsUniquelyReferenced (3.14+: on free-threaded builds true only
 * for the owning thread with a single reference) where it exists. On 3.13 the lock
 * alone makes Py_REFCNT(o) == 1 exact: references only come and go while it is held.
 * The drop must be under it too, not only the take: Py_REFCNT reads the count with
 * relaxed loads, so a writer that saw a reader's decref that way has no order with the
 * reader's reads before it (a data race ThreadSanitizer reports); the lock gives that
 * order. Needs PyMutex (3.13); older Pythons skip this case (min_python).
 *
 * The same family (refcnt_one_mutation_family.c: the box, the writer's and the
 * readers' loops), with this take, drop and step.
 */
#include "refcnt_one_mutation_family.h"

#if !GC_HAVE_313_API
#  error "refcnt_unique_locked needs PyMutex (CPython 3.13+)"
#endif

#if PY_VERSION_HEX >= 0x030E0000
#  define RC_ALONE(o) PyUnstable_Object_IsUniquelyReferenced(o)
#else
#  define RC_ALONE(o) (Py_REFCNT(o) == 1)   /* exact under rc_lock: see above */
#endif

static PyMutex rc_lock;

PyObject *rc_take(void)
{
    PyMutex_Lock(&rc_lock);
    PyObject *box = Py_NewRef(rc_slot);
    PyMutex_Unlock(&rc_lock);
    return box;
}

void rc_drop(PyObject *box)
{
    PyMutex_Lock(&rc_lock);
    Py_DECREF(box);                     /* never the last: the global holds one */
    PyMutex_Unlock(&rc_lock);
}

int rc_write_step(void)
{
    int alone;
    PyMutex_Lock(&rc_lock);
    PyObject *box = rc_slot;
    alone = RC_ALONE(box);
    if (alone) {
        GC_SPIN();                      /* the same window as the hazard's */
        GC_SPIN();
        ((rc_box *)box)->value++;
    }
    PyMutex_Unlock(&rc_lock);
    return alone;
}
