/* object_cursor family scaffolding: the objects, their setup, the take loop that
 * tallies every item handed out, and the evidence. */
#include "object_cursor_family.h"

static oc_object oc_objects[OC_OBJECTS];

static oc_object *oc_get(long id)
{
    return &oc_objects[(unsigned long)id % OC_OBJECTS];
}

/* Setup: object `id` holds items 0 .. n-1 and its cursor is at the start. */
void oc_open(long id, long n)
{
    oc_object *o = oc_get(id);
    GC_ENTER();
    if (!o->owner)
        o->owner = PyList_New(0);
    o->n = n < 0 ? 0 : n > OC_CAPACITY ? OC_CAPACITY : n;
    for (long i = 0; i < OC_CAPACITY + OC_GUARD; i++)
        o->items[i] = i < o->n ? i : OC_PAST_END;
    for (long i = 0; i < OC_CAPACITY; i++)
        o->taken[i] = 0;
    o->past_end = 0;
    o->pos = 0;
    GC_EXIT();
}

/* Take up to `most` items from object `id`, tallying each; returns how many were
 * taken (0 once the cursor is at the end). */
long oc_take(long id, long most)
{
    oc_object *o = oc_get(id);
    long got = 0;
    for (; got < most; got++) {
        long value = oc_next(o);
        if (value == OC_DONE)
            break;
        if (value == OC_PAST_END)
            __atomic_fetch_add(&o->past_end, 1, __ATOMIC_RELAXED);
        else
            __atomic_fetch_add(&o->taken[value], 1, __ATOMIC_RELAXED);
    }
    return got;
}

/* Evidence for object `id`: 0 = items handed out more than once (extra copies),
 * 1 = items never handed out, 2 = reads past the end, 3 = the item count. */
long oc_evidence(long id, long what)
{
    oc_object *o = oc_get(id);
    long count = 0;
    if (what == 2)
        return __atomic_load_n(&o->past_end, __ATOMIC_RELAXED);
    if (what == 3)
        return o->n;
    for (long i = 0; i < o->n; i++) {
        int taken = __atomic_load_n(&o->taken[i], __ATOMIC_RELAXED);
        if (what == 0 && taken > 1)
            count += taken - 1;
        if (what == 1 && taken == 0)
            count++;
    }
    return count;
}
