/* atomic_counter
 *
 * Guarantee: a C global updated with one C11 atomic read-modify-write
 * (atomic_fetch_add) never loses an increment, on any build, with or without the GIL.
 * How it could break: only if the update were split into a separate load and store
 * (global_counter's bug); one atomic operation leaves no window to race in.
 * Fix (this is the fix for global_counter): make the update one atomic operation. It
 * needs no PyGILState_Ensure and no lock, since it touches no Python object.
 */
#include "gilcompat.h"
#include <stdatomic.h>

static _Atomic long counter;

void ac_reset(void)
{
    atomic_store(&counter, 0);
}

void ac_increment(long times)
{
    for (long i = 0; i < times; i++) {
        GC_SPIN();              /* the same work per increment as global_counter */
        atomic_fetch_add(&counter, 1);
    }
}

long ac_value(void)
{
    return atomic_load(&counter);
}
