/* global_counter
 *
 * Guarantee: a C global read, modified and written back inside PyGILState_Ensure()
 * is never updated by two threads at once: the GIL is the mutex.
 * How it breaks: with the GIL off, Ensure only attaches a thread state; two threads
 * read the same value during the spin and one increment is lost.
 * Fix: protect the counter with its own lock (pymutex_counter) or make the update one
 * atomic operation (atomic_counter).
 */
#include "gilcompat.h"

static long counter;

void gc_reset(void)
{
    GC_ENTER();
    counter = 0;
    GC_EXIT();
}

void gc_increment(long times)
{
    for (long i = 0; i < times; i++) {
        GC_ENTER();
        long seen = counter;
        GC_SPIN();
        counter = seen + 1;
        GC_EXIT();
    }
}

long gc_value(void)
{
    GC_ENTER();
    long value = counter;
    GC_EXIT();
    return value;
}
