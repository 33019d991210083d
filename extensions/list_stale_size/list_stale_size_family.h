/* list_stale_size family: what the members share. The scaffolding
 * (list_stale_size_family.c) fills the list with poisoned items, runs the mutator and
 * the reader's loops and checks every item read; each member defines one loop over the
 * list: the hazard (list_stale_size.c) or its fix (list_loop_critical). */
#include "gilcompat.h"

/* Whether `item` (borrowed) is a live item: 0 when it was popped (freed, poisoned). */
int ls_alive(PyObject *item);
/* One loop over `list`: take its size once, read every item below it, spinning before
 * each read. Returns how many reads saw a freed item (ls_alive). */
long ls_loop(PyObject *list);
