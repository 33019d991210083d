/* refcnt_one_mutation family: what the members share. The scaffolding
 * (refcnt_one_mutation_family.c) keeps a small box (a long) reachable through a C
 * global, a writer that bumps it in place whenever it believes no one else holds
 * it, and readers that hold a strong reference and read the box twice. Each member
 * defines how a reader takes and drops its reference and one writer step: the hazard (refcnt_one_mutation.c: Py_REFCNT == 1 on the shared global)
 * or its fix (refcnt_unique_locked: the test made under a lock every reader's incref
 * also takes). */
#include "gilcompat.h"

typedef struct {
    PyObject_HEAD
    long value;
} rc_box;

extern PyObject *rc_slot;           /* the box: the global holds one reference */

/* The reader's strong reference to the current box (never NULL). */
PyObject *rc_take(void);

/* The reader lets go of the reference rc_take gave it (the global still holds one). */
void rc_drop(PyObject *box);

/* One writer step: bump the box in place when no one else holds it and return 1; else
 * leave it alone and return 0. */
int rc_write_step(void);
