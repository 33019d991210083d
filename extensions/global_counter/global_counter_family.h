/* global_counter family: what the members share. The scaffolding
 * (global_counter_family.c) runs each thread's increments; each member keeps the
 * counter and defines one increment of it: the hazard (global_counter.c: read, spin,
 * write back inside PyGILState_Ensure) or a fix (pymutex_counter: the same under a
 * PyMutex; atomic_counter: one atomic add on a C global; module_state_counter: one
 * atomic add on a counter in the module's own state). The member also defines
 * gc_reset, gc_value and gc_per_module (case.toml's functions). */
#include "gilcompat.h"

/* One increment of the member's counter: the update under test, with its window. */
void gc_bump(void);
