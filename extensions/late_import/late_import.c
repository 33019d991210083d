/* late_import
 *
 * Guarantee: importing a module that declares nothing turns the GIL on for every
 * thread from that moment, threads already running C code in parallel included: from
 * the import on, no two threads are ever inside this module's GIL-held C code at once.
 * How it breaks: an interpreter that turns the GIL on only for threads that attach
 * later, or without waiting for the threads already inside C code, lets them go on in
 * parallel; the occupancy count below then sees two threads inside together. With the
 * GIL off (gil0, or an opted-in face) it breaks by design.
 * Fix: the interpreter's (CPython stops the world before turning the GIL on). An
 * extension cannot fix it from inside; it opts in and locks its own state instead.
 *
 * The case sets import_while_busy: the harness imports the face while threads run in
 * the opted-in module of the same shared object, then stresses this module.
 */
#include "gilcompat.h"

static int inside;       /* threads inside the region now: the meter, kept exact */
static int most;         /* the most ever seen inside together: the GIL is its mutex */

void li_reset(void)
{
    GC_ENTER();
    most = 0;
    GC_EXIT();
}

void li_occupy(long times)
{
    for (long i = 0; i < times; i++) {
        GC_ENTER();
        int now = __atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST);
        if (now > most)
            most = now;
        GC_SPIN();
        __atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
        GC_EXIT();
    }
}

int li_most(void)
{
    GC_ENTER();
    int seen = most;
    GC_EXIT();
    return seen;
}
