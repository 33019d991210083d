/* critical_section_left family: what the members share. Every thread updates a
 * counter that belongs to one Python object, each update in a critical section on that
 * object; one update takes an error path. Each member defines the update: leaving the
 * section by `return` on the error (critical_section_left.c) or through its end
 * (critical_section_closed). */
#include "gilcompat.h"

extern PyObject *cs_owner;      /* the object whose state the counter is */
extern long cs_count;           /* its state: written only inside the section */

/* One update; `fail` takes the error path. Returns 0, or -1 on the error path. */
int cs_update(int fail);
