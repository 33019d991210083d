/* list_borrowed_item family: what the members share. The scaffolding
 * (list_borrowed_item_family.c) keeps a small list whose items a writer keeps
 * replacing, and readers that read them; each member defines how a reader takes an
 * item: the hazard (list_borrowed_item.c: PyList_GetItem, then incref) or its fix
 * (list_getitem_ref: PyList_GetItemRef). */
#include "gilcompat.h"

/* Item `i` of `list` as a strong reference, as PyList_GetItemRef returns it (NULL with
 * an exception set on failure). */
PyObject *lb_take(PyObject *list, Py_ssize_t i);
