/* lazy_init
 *
 * Guarantee: `if (!cache) cache = build();` inside PyGILState_Ensure() runs build()
 * once: the GIL makes the test and the assignment one step.
 * How it breaks: with the GIL off two threads both find the cache empty during the
 * slow build, both build, and one reference leaks (or a half-built value is seen).
 * Interpreters with their own GIL (the subinterp mode) share the C global too, and
 * besides get one another's objects.
 * Fix: publish the value with a compare-and-swap (once_init), build it at import, or
 * keep the cache and a lock of its own in the module's state (module_state_once).
 *
 * The build and the walk over the episodes are the family's (lazy_init_family.c);
 * this file holds the cache and the get the GIL covered. The first get of a new
 * episode empties the cache, so with the GIL each episode is built exactly once:
 * builds == episodes.
 */
#include "lazy_init_family.h"

static PyObject *li_cache;
static long li_episode;
static long li_builds;          /* counted atomically: the evidence must not race */

void li_reset(void)
{
    GC_ENTER();
    Py_CLEAR(li_cache);
    li_episode = 0;
    __atomic_store_n(&li_builds, 0, __ATOMIC_RELAXED);
    GC_EXIT();
}

long li_get(long episode)
{
    if (episode > li_episode) {         /* a new episode: forget the old value */
        li_episode = episode;
        Py_CLEAR(li_cache);
    }
    if (!li_cache) {                    /* the lazy init under test */
        li_cache = li_build(episode);
        __atomic_fetch_add(&li_builds, 1, __ATOMIC_RELAXED);
    }
    return PyLong_AsLong(li_cache);
}

long li_builds_count(void)
{
    return __atomic_load_n(&li_builds, __ATOMIC_RELAXED);
}
