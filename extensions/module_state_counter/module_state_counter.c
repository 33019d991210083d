/* module_state_counter
 *
 * Guarantee: a counter kept in the calling module's own state (PyModule_GetState) and
 * bumped with one atomic add counts every increment, with the GIL or without, and with
 * the module loaded in several interpreters that each have their own GIL: each
 * interpreter's module object has a counter of its own.
 * How it could break: only if interpreters shared one module state, or the add were
 * not atomic.
 * Fix (this is the fix for global_counter in the subinterp mode): keep the state per
 * module, not in a C global; with free threading, update it atomically
 * (atomic_counter) or under a lock.
 */
#include "gilcompat.h"

typedef struct {
    long counter;
} msc_state;

void msc_reset(void)
{
    msc_state *state = GC_MODULE_STATE(msc_state);
    __atomic_store_n(&state->counter, 0, __ATOMIC_SEQ_CST);
}

void msc_increment(long times)
{
    msc_state *state = GC_MODULE_STATE(msc_state);
    for (long i = 0; i < times; i++) {
        GC_SPIN();
        __atomic_fetch_add(&state->counter, 1, __ATOMIC_SEQ_CST);
    }
}

long msc_value(void)
{
    msc_state *state = GC_MODULE_STATE(msc_state);
    return __atomic_load_n(&state->counter, __ATOMIC_SEQ_CST);
}
