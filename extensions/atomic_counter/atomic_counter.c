/* atomic_counter
 *
 * Guarantee: a C global updated with one C11 atomic read-modify-write
 * (atomic_fetch_add) never loses an increment, on any build, with or without the GIL,
 * and however many interpreters share it.
 * How it could break: only if the update were split into a separate load and store
 * (global_counter's bug); one atomic operation leaves no window to race in.
 * Fix (this is the fix for global_counter): the same family, the update one atomic
 * operation. It needs no PyGILState_Ensure and no lock, since it touches no Python
 * object.
 */
#include "global_counter_family.h"
#include <stdatomic.h>

static _Atomic long counter;

void gc_reset(void)
{
    atomic_store(&counter, 0);
}

void gc_bump(void)
{
    GC_SPIN();                  /* the same work per increment as global_counter */
    atomic_fetch_add(&counter, 1);
}

long gc_value(void)
{
    return atomic_load(&counter);
}

/* A C global: every interpreter's threads count in it. */
long gc_per_module(void)
{
    return 0;
}
