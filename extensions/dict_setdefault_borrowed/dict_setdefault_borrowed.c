/* dict_setdefault_borrowed
 *
 * Guarantee: the borrowed reference PyDict_SetDefault() returns (the value now under
 * the key: the one found, or the default it just inserted) stays valid until the
 * caller takes its own reference, because the GIL keeps every other thread from
 * replacing or deleting it in between.
 * How it breaks: with the GIL off a writer sets the key to a fresh value, or deletes
 * it, during the spin and frees the value the reader borrowed; the reader increfs and
 * reads freed memory (or crashes).
 * Fix: PyDict_SetDefaultRef() (3.13), which hands back a strong reference
 * (dict_setdefault_ref).
 *
 * A member of dict_borrowed_item's family: its dict, writer, reader loop and poisoned
 * items (dict_borrowed_item_family.c); this file holds only the reader's take.
 */
#include "dict_borrowed_item_family.h"

int db_take(PyObject *dict, PyObject *key, PyObject **item)
{
    PyObject *fresh = db_fresh_item();
    if (!fresh)
        return -1;
    *item = PyDict_SetDefault(dict, key, fresh);    /* borrowed */
    Py_DECREF(fresh);                   /* the dict holds it if it went in */
    if (!*item)
        return -1;
    GC_SPIN();                          /* the window: the writer may free it now */
    Py_INCREF(*item);
    return 1;
}
