/* method_field_rmw
 *
 * Guarantee: a method of a C type (here FieldCounter.bump) that reads a field of self,
 * works, and writes the field back does so as one step, even when several threads call
 * it on one shared instance: the method runs with the GIL held and never lets go of it
 * in between, so no other thread runs Python or C code on the instance meanwhile.
 * How it breaks: with the GIL off, two threads inside the method on the same instance
 * both read the old value during the spin, and the second write overwrites the first:
 * updates are lost and the final count is short.
 * Fix: run the step in a critical section on self, Py_BEGIN_CRITICAL_SECTION(self) /
 * Py_END_CRITICAL_SECTION() (3.13, method_field_critical), or guard the fields with a
 * PyMutex kept in the instance.
 *
 * The type, its bump method and the check are the family's (method_field_rmw_family.c);
 * this file holds only the step the GIL covered.
 */
#include "method_field_rmw_family.h"

void mf_step(mf_object *self)
{
    long x = self->count;
    GC_SPIN();                  /* the work between read and write: another thread may write */
    self->count = x + 1;
}
