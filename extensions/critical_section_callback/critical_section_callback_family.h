/* critical_section_callback family: what the members share. Readers hold a critical
 * section on a list that another thread keeps growing and shrinking, and call back
 * into Python inside it; each member defines what the reader does with the list's
 * size after the callback: trusts the one read before (critical_section_callback.c)
 * or reads it again (critical_section_recheck). */
#include "gilcompat.h"

/* One read of `list` around `callback()`, inside a critical section on the list.
 * Returns 1 when the index it used was out of the list's bounds, 0 when not, -1 on
 * an error (set). */
int cb_read_once(PyObject *list, PyObject *callback);
