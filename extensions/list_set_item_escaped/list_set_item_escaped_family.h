/* list_set_item_escaped family: what the members share. The scaffolding
 * (list_set_item_escaped_family.c) keeps a small list that other threads already see,
 * writer threads that keep replacing its items with fresh ones, and a reader that
 * holds strong references to them; each member defines one writer's replacement step:
 * the hazard (list_set_item_escaped.c: PyList_GET_ITEM, PyList_SET_ITEM, Py_DECREF)
 * or its fix (list_setitem_locked: PyList_SetItem). */
#include "gilcompat.h"

/* Put `item` (a new reference, handed over) in slot `i` of `list` and drop the item
 * it replaces. 0 on success, -1 with an exception set. */
int ls_replace(PyObject *list, Py_ssize_t i, PyObject *item);
