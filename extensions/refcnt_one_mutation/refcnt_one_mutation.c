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
 * Fix: make the test where no new reference can appear: under a lock that every
 * reader's incref also takes, and with PyUnstable_Object_IsUniquelyReferenced on 3.14
 * (refcnt_unique_locked).
 *
 * The box, the writer's and the readers' loops are the family's
 * (refcnt_one_mutation_family.c); this file holds the reader's take and drop and the
 * writer's step.
 */
#include "refcnt_one_mutation_family.h"

PyObject *rc_take(void)
{
    return Py_NewRef(rc_slot);          /* mine now: refcount >= 2 */
}

void rc_drop(PyObject *box)
{
    Py_DECREF(box);
}

int rc_write_step(void)
{
    PyObject *box = rc_slot;
    if (Py_REFCNT(box) != 1)            /* shared: hands off */
        return 0;
    GC_SPIN();                          /* "only I hold it" ... */
    GC_SPIN();
    ((rc_box *)box)->value++;           /* ... so mutate in place */
    return 1;
}
