/* global_object_swap family: what the members share. The scaffolding
 * (global_object_swap_family.c) keeps one global PyObject *, replaced by writers and
 * read by readers; each member defines how a writer publishes and how a reader takes:
 * the hazard (global_object_swap.c) or its fix (global_object_swap_locked). */
#include "gilcompat.h"

extern PyObject *gs_global;              /* the shared global: a strong reference */

/* Put `item` (a new reference, handed over) in the global; drop the old one. */
void gs_publish(PyObject *item);
/* A strong reference to what the global holds now, for the reader to keep. */
PyObject *gs_take(void);
