/* critical_section_left family scaffolding: the owner, its reset, the update loop and
 * the evidence. */
#include "critical_section_left_family.h"

PyObject *cs_owner;
long cs_count;

/* Setup, between rounds (gilcompat: single-threaded): an owner object, a zero count. */
void cs_reset(void)
{
    GC_ENTER();
    if (!cs_owner)
        cs_owner = PyList_New(0);
    Py_BEGIN_CRITICAL_SECTION(cs_owner);
    cs_count = 0;
    Py_END_CRITICAL_SECTION();
    GC_EXIT();
}

/* `times` updates; the one numbered `fail_at` (if any) takes the error path. Returns
 * the updates that succeeded. */
long cs_run(long times, long fail_at)
{
    long done = 0;
    GC_ENTER();
    for (long i = 0; i < times; i++)
        done += cs_update(i == fail_at) == 0;
    GC_EXIT();
    return done;
}

long cs_value(void)
{
    long value;
    GC_ENTER();
    Py_BEGIN_CRITICAL_SECTION(cs_owner);
    value = cs_count;
    Py_END_CRITICAL_SECTION();
    GC_EXIT();
    return value;
}
