/* global_counter family scaffolding: the increments' loop. The counter, its reset,
 * its value, where it lives (gc_per_module) and the increment itself (gc_bump) are
 * each member's (see global_counter_family.h). */
#include "global_counter_family.h"

/* Increment the member's counter `times` times. */
void gc_increment(long times)
{
    for (long i = 0; i < times; i++)
        gc_bump();
}
