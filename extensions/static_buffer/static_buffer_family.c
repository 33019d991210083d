/* static_buffer family scaffolding: the calls (each under GC_ENTER, as a capi face's
 * call holds the GIL) and the check of every str returned; the function under test is
 * the member's (sb_name). */
#include <stdio.h>
#include "static_buffer_family.h"

/* Call sb_name(number) `times` times; returns how many strs held another number. */
long sb_format(long number, long times)
{
    char want[32];
    long wrong = 0;
    snprintf(want, sizeof want, "item-%ld", number);
    for (long i = 0; i < times; i++) {
        GC_ENTER();
        PyObject *name = sb_name(number);
        if (!name || PyUnicode_CompareWithASCIIString(name, want) != 0)
            wrong++;
        Py_XDECREF(name);
        PyErr_Clear();
        GC_EXIT();
    }
    return wrong;
}
