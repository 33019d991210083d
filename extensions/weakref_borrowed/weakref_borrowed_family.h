/* weakref_borrowed family: what the members share. The scaffolding
 * (weakref_borrowed_family.c) keeps weakrefs whose referents a writer keeps killing
 * and replacing, and readers that read the referents; each member defines how a reader
 * takes a referent: the hazard (weakref_borrowed.c: PyWeakref_GetObject, then incref)
 * or its fix (weakref_getref: PyWeakref_GetRef). */
#include "gilcompat.h"

/* The referent of `weak` as a strong reference in `*referent`, as PyWeakref_GetRef
 * returns it: 1 alive, 0 dead (died just now), -1 with an exception set. */
int wb_take(PyObject *weak, PyObject **referent);
