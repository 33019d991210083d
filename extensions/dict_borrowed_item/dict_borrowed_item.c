/* dict_borrowed_item
 *
 * Guarantee: the borrowed reference PyDict_GetItem() returns stays valid until the
 * caller takes its own reference, because the GIL keeps every other thread from
 * replacing or deleting the value (and freeing it) in between.
 * How it breaks: with the GIL off a writer sets the key to a fresh value, or deletes
 * it, during the spin and frees the old value; the reader increfs and reads freed
 * memory (or crashes).
 * Fix: PyDict_GetItemRef(), which returns a strong reference (dict_getitem_ref).
 *
 * The dict, the writer, the reader's loop and the poisoned items are the family's
 * (dict_borrowed_item_family.c); this file holds only the reader's take.
 */
#include "dict_borrowed_item_family.h"

int db_take(PyObject *dict, PyObject *key, PyObject **item)
{
    *item = PyDict_GetItem(dict, key);      /* borrowed */
    if (!*item)
        return 0;                           /* deleted just now */
    GC_SPIN();                              /* the window: the writer may free it now */
    Py_INCREF(*item);
    return 1;
}
