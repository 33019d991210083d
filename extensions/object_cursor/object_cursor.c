/* object_cursor
 *
 * Guarantee: a cursor kept in a C object (`if (pos < n) { i = pos; ...; pos = i + 1;
 * return items[i]; }`), advanced inside PyGILState_Ensure() by every thread, hands out
 * each item exactly once: the GIL makes the check, the read and the advance one step.
 * How it breaks: with the GIL off two threads read the same position during the spin
 * (an item handed out twice, the cursor moved back), or pass the bounds check together
 * and read past the end.
 * Fix: advance the cursor in a critical section on the owning Python object
 * (object_cursor_critical), under the object's own PyMutex, or claim positions with
 * one atomic fetch-add.
 *
 * The objects, the take loop and the evidence are the family's
 * (object_cursor_family.c); this file holds only the step the GIL covered.
 */
#include "object_cursor_family.h"

long oc_next(oc_object *o)
{
    long value = OC_DONE;
    GC_ENTER();
    if (o->pos < o->n) {
        GC_SPIN();              /* e.g. preparing the result: another thread may advance */
        long i = o->pos;
        GC_SPIN();
        o->pos = i + 1;
        value = i < OC_CAPACITY + OC_GUARD ? o->items[i] : OC_PAST_END;
    }
    GC_EXIT();
    return value;
}
