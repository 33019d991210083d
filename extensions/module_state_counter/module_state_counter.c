/* module_state_counter
 *
 * Guarantee: a counter kept in the calling module's own state (PyModule_GetState) and
 * bumped with one atomic add counts every increment, with the GIL or without, and with
 * the module loaded in several interpreters that each have their own GIL: each
 * interpreter's module object has a counter of its own.
 * How it could break: only if interpreters shared one module state, or the add were
 * not atomic.
 * Fix (this is the fix for global_counter in the subinterp mode): the same family, the
 * counter per module, not in a C global; with free threading, updated atomically
 * (atomic_counter) or under a lock. gc_per_module says so, and the family's check
 * then wants only its own interpreter's increments where each thread has one.
 */
#include "global_counter_family.h"

typedef struct {
    long counter;
} gc_state;

static long *gc_counter(void)
{
    return &GC_MODULE_STATE(gc_state)->counter;
}

void gc_reset(void)
{
    __atomic_store_n(gc_counter(), 0, __ATOMIC_SEQ_CST);
}

void gc_bump(void)
{
    long *counter = gc_counter();
    GC_SPIN();
    __atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
}

long gc_value(void)
{
    return __atomic_load_n(gc_counter(), __ATOMIC_SEQ_CST);
}

/* Per module: in the subinterp mode, only its own interpreter's thread counts in it. */
long gc_per_module(void)
{
    return 1;
}
