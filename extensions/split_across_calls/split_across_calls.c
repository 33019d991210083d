/* split_across_calls
 *
 * Guarantee (never given): a read in one call and a write in the next form one step.
 * Each call takes the GIL on its own, but the GIL is free between the calls, so
 * `v = get(); set(v + 1)` from Python was never atomic, on any build.
 * How it breaks: another thread runs between get() and set(); its update is
 * overwritten. On a GIL build that takes a thread switch in between, which a tiny
 * sys.setswitchinterval makes frequent; with the GIL off the threads simply overlap.
 * Fix: one call that does the whole update under one lock (or an atomic add).
 */
#include "gilcompat.h"

static long sac_value;

long sac_get(void)
{
    GC_ENTER();
    long value = sac_value;
    GC_SPIN();              /* widens the window up to the caller's set() */
    GC_EXIT();
    return value;
}

void sac_set(long value)
{
    GC_ENTER();
    sac_value = value;
    GC_EXIT();
}
