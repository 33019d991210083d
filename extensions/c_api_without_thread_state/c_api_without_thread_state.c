/* c_api_without_thread_state
 *
 * Guarantee (never given): PyMem_Malloc may be called from C code that holds no
 * thread state (no GIL): "it is just malloc".
 * How it breaks: the PyMem allocator needs the caller's thread state. On a GIL build it
 * is pymalloc, whose pools only the GIL protects: without the debug hooks a call
 * usually "works" and corrupts the pools only when threads collide, so this case sets
 * PYTHONMALLOC=debug, whose GIL check stops the process with a fatal error (SIGABRT) at
 * the first call. On a free-threaded build PyMem_Malloc reaches mimalloc through the
 * current thread state's heap, and there is none: SIGSEGV at the first call without
 * the hooks; with them, the same fatal error, then SIGABRT or (mostly) SIGSEGV in the
 * error handler (measured on 3.13.5t). Every face calls it the same way: after PyGILState_Ensure,
 * inside Py_BEGIN_ALLOW_THREADS, which is exactly "no thread state" (as a cffi function
 * without Ensure would be). PyPy's PyMem_Malloc is plain malloc: nothing shows there.
 * Fix: PyMem_RawMalloc (or plain malloc) where no thread state is held, or hold one
 * (PyGILState_Ensure) around PyMem_Malloc.
 */
#include "gilcompat.h"
#include <string.h>

/* Allocate, write and free a block with PyMem_Malloc, `times` times, holding no thread
 * state. Returns the blocks done (it never returns at all where the break shows). */
long ct_malloc_detached(long times)
{
    long done = 0;
    GC_ENTER();
    Py_BEGIN_ALLOW_THREADS      /* from here on: no thread state */
    for (long i = 0; i < times; i++) {
        char *block = PyMem_Malloc(64);
        if (!block)
            break;
        memset(block, 0x5a, 64);
        GC_SPIN();
        PyMem_Free(block);
        done++;
    }
    Py_END_ALLOW_THREADS
    GC_EXIT();
    return done;
}
