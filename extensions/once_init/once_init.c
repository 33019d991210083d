/* once_init
 *
 * Guarantee: a lazily built C cache published with a compare-and-swap is built and
 * published exactly once, with or without the GIL: a thread that finds it empty builds
 * a value, then swaps it in only if the cache is still empty; a thread that loses the
 * race discards its build and uses the winner's.
 * How it could break: only if the compare-and-swap failed to be atomic; the GIL plays
 * no part. Losing builds are wasted work, not a fault (counted, not published).
 * Fix (this is the fix for lazy_init): build, then publish with one CAS (or build the
 * value at import, before any thread can ask for it).
 *
 * lazy_init's load: every thread walks episodes 1, 2, 3 ... and each episode starts
 * with an empty cache. Here each episode has a cache slot of its own, which no thread
 * ever resets during a round, so a reader never sees a value freed under it. With the
 * GIL or without, each episode's value is published once: published == episodes.
 */
#include "gilcompat.h"

#define OI_EPISODES (1 << 16)

static PyObject *oi_cache[OI_EPISODES + 1];    /* episode e's cache; NULL: not built */
static long oi_published, oi_discarded;        /* atomic: the evidence must not race */

static PyObject *oi_build(long episode)
{
    GC_SPIN();                  /* an expensive build: the window */
    return PyLong_FromLong(1000000 + episode);
}

void oi_reset(void)
{
    GC_ENTER();
    for (long e = 0; e <= OI_EPISODES; e++)
        Py_CLEAR(oi_cache[e]);
    __atomic_store_n(&oi_published, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&oi_discarded, 0, __ATOMIC_RELAXED);
    GC_EXIT();
}

static long oi_get(long episode)
{
    PyObject **cache = &oi_cache[episode];
    GC_ENTER();
    PyObject *value = __atomic_load_n(cache, __ATOMIC_ACQUIRE);
    if (!value) {                                   /* the lazy init, made safe */
        PyObject *built = oi_build(episode), *seen = NULL;
        if (built && __atomic_compare_exchange_n(cache, &seen, built, 0,
                                                 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            __atomic_fetch_add(&oi_published, 1, __ATOMIC_RELAXED);
            value = built;
        } else {                                    /* lost the race: use the winner's */
            __atomic_fetch_add(&oi_discarded, 1, __ATOMIC_RELAXED);
            Py_XDECREF(built);
            value = seen;
        }
    }
    long result = value ? PyLong_AsLong(value) : -1;
    PyErr_Clear();
    GC_EXIT();
    return result;
}

/* One thread's walk: get the value once per episode, episodes 1 .. n (at most
 * OI_EPISODES). Returns how many values were not the episode's own. The walk holds
 * the GIL throughout (oi_get's Ensure nests), as a capi face's call does. */
long oi_walk(long episodes)
{
    long wrong = 0;
    if (episodes > OI_EPISODES)
        episodes = OI_EPISODES;
    GC_ENTER();
    for (long episode = 1; episode <= episodes; episode++)
        wrong += oi_get(episode) != 1000000 + episode;
    GC_EXIT();
    return wrong;
}

/* Evidence: 0 = published builds, 1 = discarded (losing) builds. */
long oi_builds(long what)
{
    return __atomic_load_n(what ? &oi_discarded : &oi_published, __ATOMIC_RELAXED);
}
