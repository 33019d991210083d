/* lazy_init family: what the members share. The scaffolding (lazy_init_family.c)
 * makes each episode's value (the expensive build) and runs each thread's walk over
 * the episodes, checking every value it gets; each member keeps the cache and defines
 * how a get finds or lazily builds the value: the hazard (lazy_init.c: check, then
 * set, relying on the GIL) or a fix (once_init: a slot per episode, published with a
 * compare-and-swap; module_state_once: the cache and a PyMutex in the module's state).
 * The member also defines li_reset and li_builds_count (case.toml's functions), which
 * counts the builds published into the cache. */
#include "gilcompat.h"

/* Episode `episode`'s value, as li_build makes it. */
#define LI_VALUE(episode) (1000000 + (episode))

/* The family's: build episode `episode`'s value (slowly): a new reference, or NULL
 * with an exception set. */
PyObject *li_build(long episode);
/* The member's: episode `episode`'s value from the cache, built with li_build if the
 * cache has none yet (the lazy init under test); -1 if there is none. Called with the
 * GIL held (or, without a GIL, a thread state attached). */
long li_get(long episode);
