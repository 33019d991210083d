/* gilcompat.h: what every case includes.
 *
 * - Python.h, full API (cases are built with _CFFI_NO_LIMITED_API).
 * - GC_ENTER()/GC_EXIT(): take the GIL (or, on a free-threaded build, attach a thread
 *   state) around a block. cffi calls every function with the GIL released, and on the
 *   capi faces the GIL is already held, where PyGILState_Ensure simply nests.
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

#define GC_ENTER() PyGILState_STATE gilcompat_gstate_ = PyGILState_Ensure()
#define GC_EXIT() PyGILState_Release(gilcompat_gstate_)

/* True where PyMutex, critical sections, Py_mod_gil and the ...Ref APIs exist. */
#if PY_VERSION_HEX >= 0x030D0000 && !defined(PYPY_VERSION)
#  define GC_HAVE_313_API 1
#else
#  define GC_HAVE_313_API 0
#endif

/* Py_NewRef arrived in 3.10. */
#if PY_VERSION_HEX < 0x030A0000 && !defined(Py_NewRef)
static inline PyObject *gilcompat_newref(PyObject *o) { Py_INCREF(o); return o; }
#  define Py_NewRef(o) gilcompat_newref((PyObject *)(o))
#endif

#endif /* GILCOMPAT_H */
