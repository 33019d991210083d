/* global_counter
 *
 * Guarantee: a C global read, modified and written back inside PyGILState_Ensure()
 * is never updated by two threads at once: the GIL is the mutex.
 * How it breaks: with the GIL off, Ensure only attaches a thread state; two threads
 * read the same value during the spin and one increment is lost. Interpreters with
 * their own GIL (the subinterp mode) share the C global too, and lose increments the
 * same way.
 * Fix: protect the counter with its own lock (pymutex_counter), make the update one
 * atomic operation (atomic_counter), or keep it per module and update it atomically
 * (module_state_counter).
 *
 * The increments' loop is the family's (global_counter_family.c); this file holds the
 * counter and the one increment the GIL covered.
 */
#include "global_counter_family.h"

static long counter;

void gc_reset(void)
{
    GC_ENTER();
    counter = 0;
    GC_EXIT();
}

void gc_bump(void)
{
    GC_ENTER();
    long seen = counter;
    GC_SPIN();
    counter = seen + 1;
    GC_EXIT();
}

long gc_value(void)
{
    GC_ENTER();
    long value = counter;
    GC_EXIT();
    return value;
}

/* The counter is a C global: every interpreter's threads count in it. */
long gc_per_module(void)
{
    return 0;
}
