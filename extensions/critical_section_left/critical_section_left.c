/* critical_section_left
 *
 * Guarantee (that never held): leaving a block between Py_BEGIN_CRITICAL_SECTION and
 * Py_END_CRITICAL_SECTION early (a `return` on an error path) is harmless.
 * How it breaks: on a free-threaded build, in every GIL mode, the section locks the
 * object's mutex and records itself in the thread state; a `return` skips the unlock,
 * so the next thread to enter waits forever (and the thread state keeps a pointer to a
 * dead stack frame): a hang, or a crash. On a GIL build the macros are plain braces and
 * nothing is left held.
 * Fix: leave only through the end: `goto` a label before Py_END_CRITICAL_SECTION, set
 * the result, return after it (critical_section_closed).
 */
#include "critical_section_left_family.h"

int cs_update(int fail)
{
    Py_BEGIN_CRITICAL_SECTION(cs_owner);
    if (fail)
        return -1;                      /* the error path: the section stays held */
    cs_count++;
    Py_END_CRITICAL_SECTION();
    return 0;
}
