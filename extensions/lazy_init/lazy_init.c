/* lazy_init
 *
 * Guarantee: `if (!cache) cache = build();` inside PyGILState_Ensure() runs build()
 * once: the GIL makes the test and the assignment one step.
 * How it breaks: with the GIL off two threads both find the cache empty during the
 * slow build, both build, and one reference leaks (or a half-built value is seen).
 * Fix: publish the value with a compare-and-swap, or build it at import (once_init).
 *
 * To race many times per round the cache is reset per "episode": every thread walks
 * episodes 1, 2, 3 ... and the first call of a new episode empties the cache. A thread
 * that falls behind only reads, so it catches up and the threads meet on one episode.
 * With the GIL each episode is built exactly once, so builds == episodes.
 */
#include "gilcompat.h"

static PyObject *li_cache;
static long li_episode;
static long li_builds;          /* counted atomically: the evidence must not race */

static PyObject *li_build(long episode)
{
    __atomic_fetch_add(&li_builds, 1, __ATOMIC_RELAXED);
    GC_SPIN();                  /* an expensive build: the window */
    return PyLong_FromLong(1000000 + episode);
}

void li_reset(void)
{
    GC_ENTER();
    Py_CLEAR(li_cache);
    li_episode = 0;
    __atomic_store_n(&li_builds, 0, __ATOMIC_RELAXED);
    GC_EXIT();
}

static long li_get(long episode)
{
    GC_ENTER();
    if (episode > li_episode) {         /* a new episode: forget the old value */
        li_episode = episode;
        Py_CLEAR(li_cache);
    }
    if (!li_cache)                      /* the lazy init under test */
        li_cache = li_build(episode);
    long value = PyLong_AsLong(li_cache);
    GC_EXIT();
    return value;
}

/* One thread's walk: get the value once per episode, episodes 1 .. n. The walk holds
 * the GIL throughout (li_get's Ensure nests), as a capi face's call does. */
long li_walk(long episodes)
{
    long sum = 0;
    GC_ENTER();
    for (long episode = 1; episode <= episodes; episode++)
        sum += li_get(episode);
    GC_EXIT();
    return sum;
}

long li_builds_count(void)
{
    return __atomic_load_n(&li_builds, __ATOMIC_RELAXED);
}
