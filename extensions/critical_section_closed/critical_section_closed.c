/* critical_section_closed
 *
 * Guarantee: an update whose error path leaves the critical section through its end
 * (goto a label before Py_END_CRITICAL_SECTION) unlocks the object every time, so
 * every thread gets in, in every build and mode.
 * How it could break: only if Py_END_CRITICAL_SECTION failed to unlock.
 * Fix (this is the fix for critical_section_left): the same family, the error path
 * jumping to the end of the section.
 */
#include "critical_section_left_family.h"

int cs_update(int fail)
{
    int result = 0;
    Py_BEGIN_CRITICAL_SECTION(cs_owner);
    if (fail) {
        result = -1;
        goto done;                      /* the error path, through the end */
    }
    cs_count++;
done:
    Py_END_CRITICAL_SECTION();
    return result;
}
