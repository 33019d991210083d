/* object_cursor_critical
 *
 * Guarantee: a cursor kept in a C object and advanced by every thread hands out each
 * item exactly once, with the GIL or without, when each step (the bounds check, the
 * read, the advance) runs in a critical section on the Python object that owns the
 * C state: Py_BEGIN_CRITICAL_SECTION(owner) locks that object's mutex in a
 * free-threaded build (with the GIL, the GIL serves).
 * How it could break: only if the critical section failed to exclude; nothing inside
 * calls back into Python, so it is never suspended mid-step.
 * Fix (this is the fix for object_cursor): the same family, the step in a critical
 * section on the owner, as a method on `self` would be.
 */
#include "object_cursor_family.h"

long oc_next(oc_object *o)
{
    long value = OC_DONE;
    GC_ENTER();
    Py_BEGIN_CRITICAL_SECTION(o->owner);
    if (o->pos < o->n) {
        GC_SPIN();              /* the same window, now inside the section */
        long i = o->pos;
        GC_SPIN();
        o->pos = i + 1;
        value = i < OC_CAPACITY + OC_GUARD ? o->items[i] : OC_PAST_END;
    }
    Py_END_CRITICAL_SECTION();
    GC_EXIT();
    return value;
}
