/* object_cursor
 *
 * Guarantee: a cursor kept in a C object (`if (pos < n) { i = pos; ...; pos = i + 1;
 * return items[i]; }`), advanced inside PyGILState_Ensure() by every thread, hands out
 * each item exactly once: the GIL makes the check, the read and the advance one step.
 * How it breaks: with the GIL off two threads read the same position during the spin
 * (an item handed out twice, the cursor moved back), or pass the bounds check together
 * and read past the end.
 * Fix: advance the cursor under the object's own lock (a PyMutex, or a critical
 * section on the owning Python object), or claim positions with one atomic fetch-add.
 *
 * The objects are C structs in a static array, keyed by the id the scenario passes.
 * Slots past the end hold OC_PAST_END, so a read out of bounds is seen, not a crash.
 */
#include "gilcompat.h"

#define OC_OBJECTS 4
#define OC_CAPACITY (1 << 18)
#define OC_GUARD 64             /* more than the threads that can pass the check at once */
#define OC_PAST_END (-2)
#define OC_DONE (-1)

typedef struct {
    long pos;                   /* the cursor */
    long n;
    long items[OC_CAPACITY + OC_GUARD];
    int taken[OC_CAPACITY];     /* how often each item was handed out (atomic) */
    long past_end;              /* reads out of bounds (atomic) */
} oc_object;

static oc_object oc_objects[OC_OBJECTS];

static oc_object *oc_get(long id)
{
    return &oc_objects[(unsigned long)id % OC_OBJECTS];
}

/* The method under test: the item under the cursor, then advance; OC_DONE at the end. */
static long oc_next(oc_object *o)
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

/* Setup: object `id` holds items 0 .. n-1 and its cursor is at the start. */
void oc_open(long id, long n)
{
    oc_object *o = oc_get(id);
    GC_ENTER();
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
