/* crash_at_exit (test fixture, not a corpus case)
 *
 * Guarantee: none; this case exists to prove the harness judges a case with
 * finalize = true on its child's finalization.
 * How it breaks: ce_arm() registers a Py_AtExit callback, which runs at the end of the
 * interpreter's finalization: how = 0 writes through a null pointer (SIGSEGV), how = 1
 * ends the process with exit code 3.
 * Fix: not applicable.
 */
#include "gilcompat.h"
#include <unistd.h>

static long ce_how;

static void ce_at_exit(void)
{
    if (ce_how == 1)
        _exit(3);
    volatile int *nowhere = (volatile int *)(uintptr_t)0;
    *nowhere = 1;
}

void ce_arm(long how)
{
    ce_how = how;
    Py_AtExit(ce_at_exit);
}
