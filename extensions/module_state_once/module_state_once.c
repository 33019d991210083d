/* module_state_once
 *
 * Guarantee: a lazily built cache kept in the calling module's own state, tested and
 * filled under a PyMutex that lives in the same state, is built exactly once per
 * episode: with the GIL or without, and in every interpreter that loads the module,
 * each building its own (its objects never reach another interpreter).
 * How it could break: only if the mutex failed to exclude, or interpreters shared
 * one module state (and so one another's objects).
 * Fix (this is the fix for lazy_init where interpreters have their own GIL): the
 * cache and its lock in the module's state, not in C globals.
 *
 * lazy_init's load: every thread walks episodes 1, 2, 3 ... and each new episode
 * empties the cache; with the lock each episode's value is built once: builds ==
 * episodes, in one module as in each of several.
 */
#include "gilcompat.h"

typedef struct {
    PyMutex lock;
    PyObject *cache;
    long episode;
    long builds;
} mso_state;

void mso_reset(void)
{
    mso_state *state = GC_MODULE_STATE(mso_state);
    PyMutex_Lock(&state->lock);
    Py_CLEAR(state->cache);
    state->episode = 0;
    state->builds = 0;
    PyMutex_Unlock(&state->lock);
}

static long mso_get(mso_state *state, long episode)
{
    PyMutex_Lock(&state->lock);
    if (episode > state->episode) {         /* a new episode: forget the old value */
        state->episode = episode;
        Py_CLEAR(state->cache);
    }
    if (!state->cache) {                    /* the lazy init, under the module's lock */
        state->builds++;
        GC_SPIN();                          /* an expensive build: the window */
        state->cache = PyLong_FromLong(1000000 + episode);
    }
    long value = state->cache ? PyLong_AsLong(state->cache) : -1;
    PyMutex_Unlock(&state->lock);
    return value;
}

long mso_walk(long episodes)
{
    mso_state *state = GC_MODULE_STATE(mso_state);
    long sum = 0;
    for (long episode = 1; episode <= episodes; episode++)
        sum += mso_get(state, episode);
    return sum;
}

long mso_builds_count(void)
{
    mso_state *state = GC_MODULE_STATE(mso_state);
    PyMutex_Lock(&state->lock);
    long builds = state->builds;
    PyMutex_Unlock(&state->lock);
    return builds;
}
