/* module_state_once
 *
 * Guarantee: a lazily built cache kept in the calling module's own state, tested and
 * filled under a PyMutex that lives in the same state, is built exactly once per
 * episode: with the GIL or without, and in every interpreter that loads the module,
 * each building its own (its objects never reach another interpreter).
 * How it could break: only if the mutex failed to exclude, or interpreters shared
 * one module state (and so one another's objects).
 * Fix (this is the fix for lazy_init where interpreters have their own GIL): the same
 * family, the cache, its episode, its count and its lock in the module's state, not
 * in C globals. Each interpreter's module walks every episode, so builds == episodes
 * holds per module in the subinterp mode too.
 */
#include "lazy_init_family.h"

#if !GC_HAVE_313_API
#  error "module_state_once needs PyMutex (CPython 3.13+)"
#endif

typedef struct {
    PyMutex lock;
    PyObject *cache;
    long episode;
    long builds;
} li_state;

void li_reset(void)
{
    li_state *state = GC_MODULE_STATE(li_state);
    PyMutex_Lock(&state->lock);
    Py_CLEAR(state->cache);
    state->episode = 0;
    state->builds = 0;
    PyMutex_Unlock(&state->lock);
}

long li_get(long episode)
{
    li_state *state = GC_MODULE_STATE(li_state);
    PyMutex_Lock(&state->lock);
    if (episode > state->episode) {         /* a new episode: forget the old value */
        state->episode = episode;
        Py_CLEAR(state->cache);
    }
    if (!state->cache) {                    /* the lazy init, under the module's lock */
        state->cache = li_build(episode);
        state->builds++;
    }
    long value = state->cache ? PyLong_AsLong(state->cache) : -1;
    PyMutex_Unlock(&state->lock);
    return value;
}

long li_builds_count(void)
{
    li_state *state = GC_MODULE_STATE(li_state);
    PyMutex_Lock(&state->lock);
    long builds = state->builds;
    PyMutex_Unlock(&state->lock);
    return builds;
}
