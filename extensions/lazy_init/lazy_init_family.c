/* lazy_init family scaffolding: the build and the walk. The cache, the get that fills
 * it, its reset and the count of published builds are each member's (see
 * lazy_init_family.h).
 *
 * To race many times per round the cache is per "episode": every thread walks
 * episodes 1, 2, 3 ... and each episode's value must be built once. A thread that
 * falls behind may get a later episode's value (lazy_init and module_state_once keep
 * only the newest episode's), but never an older one's: that would be a stale build
 * published over a newer episode. */
#include "lazy_init_family.h"

PyObject *li_build(long episode)
{
    GC_SPIN();                  /* an expensive build: the window */
    return PyLong_FromLong(LI_VALUE(episode));
}

/* One thread's walk: get the value once per episode, episodes 1 .. n. The walk holds
 * the GIL throughout, as a capi face's call does. Returns how many gets returned an
 * older episode's value, or none. */
long li_walk(long episodes)
{
    long stale = 0;
    GC_ENTER();
    for (long episode = 1; episode <= episodes; episode++) {
        if (li_get(episode) < LI_VALUE(episode))
            stale++;
        PyErr_Clear();
    }
    GC_EXIT();
    return stale;
}
