/* import_once
 *
 * Guarantee (interpreter): when several threads import the same module at once, its
 * body (its init) runs exactly once; the others wait for it and get the same module.
 * The import system keeps a lock per module being imported; with a GIL or without,
 * a second importer blocks on that lock, then finds the module in sys.modules.
 * How it would break: without per-module import locks two threads both miss
 * sys.modules and both run the body: a C library initialised twice, module state
 * replaced under a thread that already uses it.
 * Fix: none in the extension; this is the interpreter's job (importlib's module locks).
 *
 * The module's body calls io_init_ran() (through a hook the scenario sets), which
 * counts; the count must be 1 per module.
 */
#include "gilcompat.h"

static long io_inits;

void io_reset(void)
{
    __atomic_store_n(&io_inits, 0, __ATOMIC_RELAXED);
}

/* Called by the module body: one more run of the init. */
void io_init_ran(void)
{
    __atomic_add_fetch(&io_inits, 1, __ATOMIC_ACQ_REL);
}

long io_init_count(void)
{
    return __atomic_load_n(&io_inits, __ATOMIC_ACQUIRE);
}
