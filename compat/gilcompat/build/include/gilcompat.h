/* gilcompat.h: what every case includes.
 *
 * - Python.h, full API (cases are built with _CFFI_NO_LIMITED_API).
 * - GC_ENTER()/GC_EXIT(): take the GIL (or, on a free-threaded build, attach a thread
 *   state) around a block. cffi calls every function with the GIL released; on the
 *   capi faces the calling interpreter's GIL is already held, and nothing is taken.
 * - GC_MODULE_STATE(type): the calling module's state, for a case that keeps its
 *   state per module.
 * - GC_SPIN(): the runtime window widener. Its iteration count is set from Python
 *   (gilcompat_set_spin, called by the harness before each run). The loop is a compiler
 *   barrier so the racy load cannot be moved past it, and its counter is a local, so a
 *   race detector never reports the knob itself.
 * - Version shims, so a case can compile on every interpreter it claims to support.
 */
#ifndef GILCOMPAT_H
#define GILCOMPAT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

extern int gilcompat_spin_iterations;

static inline void gilcompat_spin_for(int n)
{
    for (int i = 0; i < n; i++) {
        __asm__ __volatile__("" ::: "memory");
    }
}

#define GC_SPIN() \
    gilcompat_spin_for(__atomic_load_n(&gilcompat_spin_iterations, __ATOMIC_RELAXED))

/* A thread that already has an attached thread state holds its interpreter's GIL (the
 * capi faces are called so): Ensure is skipped there, because in a subinterpreter it
 * would switch to the main interpreter's thread state (the PyGILState API knows only
 * the main one). Only a thread with none (cffi released the GIL) calls Ensure. */
#if PY_VERSION_HEX >= 0x030D0000 && !defined(PYPY_VERSION)
#  define GC_ATTACHED() (PyThreadState_GetUnchecked() != NULL)
#elif PY_VERSION_HEX >= 0x030C0000 && !defined(PYPY_VERSION)
#  define GC_ATTACHED() (_PyThreadState_UncheckedGet() != NULL)
#else
#  define GC_ATTACHED() 0      /* no per-interpreter GIL before 3.12: Ensure nests */
#endif
#define GC_ENTER() \
    int gilcompat_ensured_ = !GC_ATTACHED(); \
    PyGILState_STATE gilcompat_gstate_ = \
        gilcompat_ensured_ ? PyGILState_Ensure() : PyGILState_LOCKED
#define GC_EXIT() \
    do { if (gilcompat_ensured_) PyGILState_Release(gilcompat_gstate_); } while (0)

/* Per-module state for the capi faces (multi-phase and export routes): the wrapper
 * notes the calling module. NULL in the cffi face and the single-phase faces, which
 * have no per-module state; a case that uses it says module_state = true. */
#define GC_MODULE_STATE_SIZE 1024
extern _Thread_local PyObject *gilcompat_calling_module;
static inline void *gilcompat_module_state(void)
{
    PyObject *module = gilcompat_calling_module;
    return module ? PyModule_GetState(module) : NULL;
}
#define GC_MODULE_STATE(type) ((type *)gilcompat_module_state())

/* True where PyMutex, critical sections, Py_mod_gil and the ...Ref APIs exist. */
#if PY_VERSION_HEX >= 0x030D0000 && !defined(PYPY_VERSION)
#  define GC_HAVE_313_API 1
#else
#  define GC_HAVE_313_API 0
#endif

/* Py_NewRef and Py_XNewRef arrived in 3.10. */
#if PY_VERSION_HEX < 0x030A0000 && !defined(Py_NewRef)
static inline PyObject *gilcompat_newref(PyObject *o) { Py_INCREF(o); return o; }
#  define Py_NewRef(o) gilcompat_newref((PyObject *)(o))
#endif
#if PY_VERSION_HEX < 0x030A0000 && !defined(Py_XNewRef)
static inline PyObject *gilcompat_xnewref(PyObject *o) { Py_XINCREF(o); return o; }
#  define Py_XNewRef(o) gilcompat_xnewref((PyObject *)(o))
#endif

#endif /* GILCOMPAT_H */
