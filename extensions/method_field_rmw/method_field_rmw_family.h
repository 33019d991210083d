/* method_field_rmw family: what the members share. The scaffolding
 * (method_field_rmw_family.c) defines a small heap type whose instances keep a C
 * counter, and its method bump(n), which every thread calls on one shared instance;
 * each member defines one step of that method: the hazard (method_field_rmw.c: a bare
 * read-modify-write of self->count) or its fix (method_field_critical: the same step
 * in a critical section on self). */
#include "gilcompat.h"

typedef struct {
    PyObject_HEAD
    long count;                 /* exact: one per step, whatever thread took it */
} mf_object;

/* One step of bump(): self->count goes up by one. */
void mf_step(mf_object *self);
