/* dict_borrowed_item family: what the members share. The scaffolding
 * (dict_borrowed_item_family.c) keeps a small dict whose values a writer keeps
 * replacing and deleting, and readers that read them; each member defines how a reader
 * takes a value: the hazard (dict_borrowed_item.c: PyDict_GetItem, then incref) or its
 * fix (dict_getitem_ref: PyDict_GetItemRef); the same with PyDict_SetDefault
 * (dict_setdefault_borrowed) and its fix PyDict_SetDefaultRef (dict_setdefault_ref). */
#include "gilcompat.h"

/* The value of `key` as a strong reference in `*item`, as PyDict_GetItemRef returns
 * it: 1 found, 0 missing (deleted just now), -1 with an exception set. */
int db_take(PyObject *dict, PyObject *key, PyObject **item);

/* A fresh live item (a new reference, NULL with an exception set), for a take that
 * inserts a default (dict_setdefault_borrowed, dict_setdefault_ref). */
PyObject *db_fresh_item(void);
