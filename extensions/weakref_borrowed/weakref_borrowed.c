/* weakref_borrowed
 *
 * Guarantee: the borrowed reference PyWeakref_GetObject() returns stays valid until the
 * caller takes its own reference, because the GIL keeps every other thread from
 * dropping the referent's last strong reference (and freeing it) in between.
 * How it breaks: with the GIL off a writer drops the last strong reference during the
 * spin; the referent dies, and the reader increfs and reads freed memory (or crashes).
 * Fix: PyWeakref_GetRef(), which returns a strong reference or reports the referent
 * dead (weakref_getref). PyWeakref_GetObject is deprecated since 3.13 for this reason.
 *
 * The weakrefs, the writer, the reader's loop and the poisoned referents are the
 * family's (weakref_borrowed_family.c); this file holds only the reader's take.
 */
#include "weakref_borrowed_family.h"

int wb_take(PyObject *weak, PyObject **referent)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    *referent = PyWeakref_GetObject(weak);      /* borrowed */
#pragma GCC diagnostic pop
    if (!*referent)
        return -1;
    if (*referent == Py_None)
        return 0;                               /* died just now */
    GC_SPIN();                                  /* the window: the writer may kill it now */
    Py_INCREF(*referent);
    return 1;
}
