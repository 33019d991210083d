/* unlocked_counter
 *
 * Guarantee (never given): a C global updated with no lock and no PyGILState_Ensure()
 * is safe because "the GIL is held". It is not: cffi releases the GIL around every
 * call, and a C library thread never holds it at all.
 * How it breaks: two threads read the same value during the spin and one increment is
 * lost, on every build. Only where the caller happens to hold the GIL (the capi faces,
 * whenever the GIL is on) does the update stay whole, and only by accident.
 * Fix: a lock of the counter's own (pymutex_counter) or one atomic operation
 * (atomic_counter).
 */
#include "gilcompat.h"

static long counter;

void uc_reset(void)
{
    counter = 0;
}

void uc_increment(long times)
{
    for (long i = 0; i < times; i++) {
        long seen = counter;    /* no Ensure, no lock */
        GC_SPIN();
        counter = seen + 1;
    }
}

long uc_value(void)
{
    return counter;
}
