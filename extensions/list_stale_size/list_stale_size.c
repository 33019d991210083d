/* list_stale_size
 *
 * Guarantee: a loop that reads n = PyList_GET_SIZE(list) once and then
 * PyList_GET_ITEM(list, i) for every i < n, inside PyGILState_Ensure(), only ever sees
 * live items: the GIL keeps every other thread from shrinking the list in between.
 * How it breaks: with the GIL off a mutator pops items during the loop; the reader
 * indexes past the list's current size and reads stale slots that hold popped (freed)
 * items; had the array shrunk, it would read past its end (garbage, or a crash).
 * Fix: run the loop inside Py_BEGIN_CRITICAL_SECTION(list) (3.13+).
 * Twin: list_loop_critical.
 *
 * The list, its poisoned items and the mutator are the family's
 * (list_stale_size_family.c); this file holds only the loop the GIL covered.
 */
#include "list_stale_size_family.h"

long ls_loop(PyObject *list)
{
    long bad = 0;
    Py_ssize_t n = PyList_GET_SIZE(list);
    for (Py_ssize_t i = 0; i < n; i++) {
        GC_SPIN();                                      /* the window */
        bad += !ls_alive(PyList_GET_ITEM(list, i));     /* borrowed, maybe stale */
    }
    return bad;
}
