/* method_field_critical
 *
 * Guarantee: a method of a C type whose read-modify-write of a field of self runs in a
 * critical section on self loses no update, however many threads call it on one shared
 * instance: in a free-threaded build Py_BEGIN_CRITICAL_SECTION(self) locks the
 * instance's own mutex for the step; with the GIL, the GIL serves.
 * How it could break: only if the critical section failed to exclude; nothing inside
 * calls back into Python or blocks, so it is never suspended mid-step.
 * Fix (this is the fix for method_field_rmw): the same family, the step inside
 * Py_BEGIN_CRITICAL_SECTION(self) / Py_END_CRITICAL_SECTION(). It needs 3.13; older
 * Pythons skip this case (min_python).
 */
#include "method_field_rmw_family.h"

#if !GC_HAVE_313_API
#  error "method_field_critical needs Py_BEGIN_CRITICAL_SECTION (CPython 3.13+)"
#endif

void mf_step(mf_object *self)
{
    Py_BEGIN_CRITICAL_SECTION((PyObject *)self);
    long x = self->count;
    GC_SPIN();                  /* the same window, now inside the section */
    self->count = x + 1;
    Py_END_CRITICAL_SECTION();
}
