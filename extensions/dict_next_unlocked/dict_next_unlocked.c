/* dict_next_unlocked
 *
 * Guarantee: a PyDict_Next loop inside PyGILState_Ensure() sees the dict as it was when
 * the loop began: every key once, none twice, because the GIL keeps every other thread
 * from inserting or deleting in between.
 * How it breaks: with the GIL off a mutator inserts and deletes during the loop. A key
 * the loop has passed is deleted and inserted again at the end: the loop sees it twice.
 * An insertion that resizes the dict compacts its entries, and the loop's position now
 * points past keys it has not seen: they are skipped. Entries read from a table being
 * replaced may be garbage (a crash).
 * Fix: run the loop inside Py_BEGIN_CRITICAL_SECTION(dict) (3.13+).
 * Twin: dict_next_critical.
 *
 * The dict, the mutator and the evidence are the family's (dict_next_unlocked_family.c);
 * this file holds only the loop the GIL covered.
 */
#include "dict_next_unlocked_family.h"

void dn_loop(PyObject *dict, int *seen)
{
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(dict, &pos, &key, &value)) {     /* borrowed */
        GC_SPIN();                                      /* the window */
        dn_saw(seen, key);
    }
}
