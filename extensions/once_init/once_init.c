/* once_init
 *
 * Guarantee: a lazily built C cache published with a compare-and-swap is built and
 * published exactly once, with or without the GIL: a thread that finds it empty builds
 * a value, then swaps it in only if the cache is still empty; a thread that loses the
 * race discards its build and uses the winner's.
 * How it could break: only if the compare-and-swap failed to be atomic; the GIL plays
 * no part. Losing builds are wasted work, not a fault: they are discarded and not
 * counted, so li_builds_count counts published builds, and the family's check
 * (published == episodes) fails only if two builds got into one episode's slot.
 * Fix (this is the fix for lazy_init): the same family, the value built, then
 * published with one CAS (or built at import, before any thread can ask for it).
 *
 * lazy_init's cache is emptied by the first get of a new episode, which a CAS cannot
 * make safe for a reader still using the old value. Here each episode has a cache
 * slot of its own instead, which no thread resets during a round, so a reader never
 * sees a value freed under it and every get returns its own episode's value.
 */
#include "lazy_init_family.h"

#define OI_EPISODES (1 << 16)

static PyObject *oi_cache[OI_EPISODES + 1];    /* episode e's cache; NULL: not built */
static long oi_published;                      /* atomic: the evidence must not race */

void li_reset(void)
{
    GC_ENTER();
    for (long e = 0; e <= OI_EPISODES; e++)
        Py_CLEAR(oi_cache[e]);
    __atomic_store_n(&oi_published, 0, __ATOMIC_RELAXED);
    GC_EXIT();
}

long li_get(long episode)
{
    if (episode < 1 || episode > OI_EPISODES)
        return -1;                                  /* no slot: more episodes than slots */
    PyObject **cache = &oi_cache[episode];
    PyObject *value = __atomic_load_n(cache, __ATOMIC_ACQUIRE);
    if (!value) {                                   /* the lazy init, made safe */
        PyObject *built = li_build(episode), *seen = NULL;
        if (built && __atomic_compare_exchange_n(cache, &seen, built, 0,
                                                 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            __atomic_fetch_add(&oi_published, 1, __ATOMIC_RELAXED);
            value = built;
        } else {                                    /* lost the race: use the winner's */
            Py_XDECREF(built);
            value = seen;
        }
    }
    return value ? PyLong_AsLong(value) : -1;
}

/* Published builds only: the losers of a race were never in the cache. */
long li_builds_count(void)
{
    return __atomic_load_n(&oi_published, __ATOMIC_RELAXED);
}
