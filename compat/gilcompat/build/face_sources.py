"""Generate the C source that sits beside a case in its one shared object.

It defines the spin knob, declares the case's functions (so cffi's wrappers compile),
and adds one classic C-API module per C-API face (``corpus/faces.py``), each calling the
same functions with the GIL held, each entering the interpreter by its own init route:
multi-phase with no ``Py_mod_gil`` slot, with ``Py_MOD_GIL_NOT_USED`` or with
``Py_MOD_GIL_USED``; single-phase, plain or with ``PyUnstable_Module_SetGIL``; PEP 793's
export hook, plain or declaring. Every undeclared one must make a free-threaded
interpreter turn the GIL on when it loads it (the opt-in rule). The routes that can
declare per-interpreter GIL support get a twin module that does (``subinterp`` mode).
The wrappers note the calling module, so a case can keep its state per module
(``GC_MODULE_STATE``).

Every shared object also carries the **exclusion probe**: threads enter a region the way
each face's C code holds the GIL (``GC_ENTER`` in the cffi face; the call itself in the
capi faces), and each entry notes whether another thread was inside. The control runs
the same region with the GIL released; it must see overlaps, or the measurement proves
nothing. They run in alternating windows of the same shape, so the control's overlap
rate says how often the held region would have overlapped had nothing excluded it.
"""

from typing import Iterable, List

from gilcompat.corpus.faces import BY_NAME, FACE_TABLE, NOT_USED, USED, Face, c_guard
from gilcompat.corpus.signatures import Function
from gilcompat.build.names import (PROBE_CAPI, PROBE_CFFI, SPIN_SETTER, module_names,
                                   own_gil_names)


def _wrapper(function: Function) -> str:
    lines = [f"static PyObject *\ngcw_{function.name}(PyObject *self, PyObject *args)\n{{"]
    for index, param in enumerate(function.params):
        lines.append(f"    {param.ctype.c_decl} a{index};")
    codes = "".join(p.ctype.parse_code for p in function.params)
    refs = "".join(f", &a{i}" for i in range(len(function.params)))
    lines.append(f'    if (!PyArg_ParseTuple(args, "{codes}:{function.name}"{refs})) return NULL;')
    call = f"{function.name}({', '.join(f'a{i}' for i in range(len(function.params)))})"
    lines.append("    gilcompat_calling_module = self;   /* for GC_MODULE_STATE() */")
    if function.result.spelling == "void":
        lines.append(f"    {call};")
        lines.append("    gilcompat_calling_module = NULL;")
        lines.append("    if (PyErr_Occurred()) return NULL;")
        lines.append("    Py_RETURN_NONE;")
    else:
        lines.append(f"    {function.result.c_decl} r = {call};")
        lines.append("    gilcompat_calling_module = NULL;")
        lines.append("    if (PyErr_Occurred()) return NULL;")
        lines.append(f"    return {function.result.build};")
    lines.append("}")
    return "\n".join(lines)


PROBE_C = f"""
/* The exclusion probe. An entry counts as an overlap when another thread was inside
 * the same region as it entered or left; the spin keeps each entry open long enough.
 * The held region and the control each keep their own count of threads inside. */
static int gc_probe_inside_held = 0, gc_probe_inside_free = 0;
static long gc_probe_region(int *inside, int entries, int spin)
{{
    long overlaps = 0;
    for (int e = 0; e < entries; e++) {{
        int before = __atomic_fetch_add(inside, 1, __ATOMIC_SEQ_CST);
        gilcompat_spin_for(spin);
        int after = __atomic_fetch_sub(inside, 1, __ATOMIC_SEQ_CST);
        if (before > 0 || after > 1) overlaps++;
    }}
    return overlaps;
}}
long {PROBE_CFFI["held"]}(int entries, int spin)
{{
    GC_ENTER();
    long overlaps = gc_probe_region(&gc_probe_inside_held, entries, spin);
    GC_EXIT();
    return overlaps;
}}
long {PROBE_CFFI["free"]}(int entries, int spin)
{{
    return gc_probe_region(&gc_probe_inside_free, entries, spin);
}}
static PyObject *
gcw_probe_held(PyObject *self, PyObject *args)
{{
    int entries, spin;
    if (!PyArg_ParseTuple(args, "ii", &entries, &spin)) return NULL;
    return PyLong_FromLong(gc_probe_region(&gc_probe_inside_held, entries, spin));
}}
static PyObject *
gcw_probe_free(PyObject *self, PyObject *args)
{{
    int entries, spin;
    long overlaps;
    if (!PyArg_ParseTuple(args, "ii", &entries, &spin)) return NULL;
    Py_BEGIN_ALLOW_THREADS
    overlaps = gc_probe_region(&gc_probe_inside_free, entries, spin);
    Py_END_ALLOW_THREADS
    return PyLong_FromLong(overlaps);
}}
"""
PROBE_CDEF = "".join(f"long {name}(int entries, int spin);\n" for name in PROBE_CFFI.values())


_GIL_SLOT = {NOT_USED: "Py_MOD_GIL_NOT_USED", USED: "Py_MOD_GIL_USED"}


def _method_table(functions: List[Function]) -> str:
    """One method table, shared by every C-API face's module."""
    table = "".join(f'    {{"{f.name}", gcw_{f.name}, METH_VARARGS, NULL}},\n' for f in functions)
    table += "".join(f'    {{"{PROBE_CAPI[kind]}", gcw_probe_{kind}, METH_VARARGS, NULL}},\n'
                     for kind in ("held", "free"))
    return (f"static PyMethodDef gc_methods[] = {{\n{table}    {{NULL, NULL, 0, NULL}}\n}};\n"
            "static int gc_exec(PyObject *m) { (void)m; return 0; }\n")


def _gil_slot(face: Face) -> str:
    if face.declares not in _GIL_SLOT:
        return ""
    # The slot is new in 3.13: before it, capi-optin's module is the plain one.
    slot = f"    {{Py_mod_gil, {_GIL_SLOT[face.declares]}}},\n"
    return f"#ifdef Py_mod_gil\n{slot}#endif\n"


# The declaration per-interpreter GILs ask for (3.12+), in the own-GIL twins only.
_OWN_GIL_SLOT = ("#ifdef Py_mod_multiple_interpreters\n"
                 "    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},\n"
                 "#endif\n")


def _multi_phase(face: Face, name: str, tag: str, own_gil: bool) -> str:
    return f"""static PyModuleDef_Slot gc_slots_{tag}[] = {{
    {{Py_mod_exec, (void *)gc_exec}},
{_gil_slot(face)}{_OWN_GIL_SLOT if own_gil else ""}    {{0, NULL}}
}};
static struct PyModuleDef gc_def_{tag} = {{
    PyModuleDef_HEAD_INIT, "{name}", NULL, GC_MODULE_STATE_SIZE, gc_methods, gc_slots_{tag},
    NULL, NULL, NULL
}};
PyMODINIT_FUNC PyInit_{name}(void) {{ return PyModuleDef_Init(&gc_def_{tag}); }}
"""


def _single_phase(face: Face, name: str, tag: str, own_gil: bool) -> str:
    # The idiom real extensions use: the call exists only in free-threaded builds.
    set_gil = ("#ifdef Py_GIL_DISABLED\n"
               "    if (m != NULL && PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED) < 0) {\n"
               "        Py_DECREF(m);\n        return NULL;\n    }\n#endif\n"
               if face.declares == NOT_USED else "")
    return f"""static struct PyModuleDef gc_def_{tag} = {{
    PyModuleDef_HEAD_INIT, "{name}", NULL, -1, gc_methods, NULL, NULL, NULL, NULL
}};
PyMODINIT_FUNC PyInit_{name}(void)
{{
    PyObject *m = PyModule_Create(&gc_def_{tag});
{set_gil}    return m;
}}
"""


def _export_hook(face: Face, name: str, tag: str, own_gil: bool) -> str:
    # PEP 793 as 3.15 ships it: the hook returns a static PyModuleDef_Slot array.
    return f"""static PyModuleDef_Slot gc_export_{tag}[] = {{
    {{Py_mod_name, "{name}"}},
    {{Py_mod_methods, gc_methods}},
    {{Py_mod_state_size, (void *)GC_MODULE_STATE_SIZE}},
    {{Py_mod_exec, (void *)gc_exec}},
{_gil_slot(face)}{_OWN_GIL_SLOT if own_gil else ""}    {{0, NULL}}
}};
PyMODEXPORT_FUNC PyModExport_{name}(void);
PyMODEXPORT_FUNC PyModExport_{name}(void) {{ return gc_export_{tag}; }}
"""


_ROUTES = {"multi-phase": _multi_phase, "single-phase": _single_phase,
           "export": _export_hook}


def _module(face: Face, name: str, own_gil: bool = False) -> str:
    """The face's module (or its twin declaring per-interpreter GIL support), compiled
    in only where the interpreter can have it."""
    tag = face.name.replace("-", "_") + ("_own_gil" if own_gil else "")
    body = _ROUTES[face.route](face, name, tag, own_gil)
    guard = c_guard(face.name)
    return f"#if {guard}\n{body}#endif\n" if guard else body


def spin_function() -> Function:
    from gilcompat.corpus.signatures import parse_declaration
    return parse_declaration(f"void {SPIN_SETTER}(int n);")


def generated_source(base: str, functions: Iterable[Function]) -> str:
    """The C text handed to cffi's ``set_source`` for a case."""
    functions = list(functions) + [spin_function()]
    names, twins = module_names(base), own_gil_names(base)
    parts = [
        '#include "gilcompat.h"',
        "int gilcompat_spin_iterations = 0;",
        "_Thread_local PyObject *gilcompat_calling_module = NULL;",
        f"void {SPIN_SETTER}(int n) "
        "{ __atomic_store_n(&gilcompat_spin_iterations, n, __ATOMIC_RELAXED); }",
        *(f.declaration for f in functions[:-1]),
        *(_wrapper(f) for f in functions),
        PROBE_C,
        _method_table(functions),
        *(_module(face, names[face.name]) for face in FACE_TABLE if face.is_capi),
        *(_module(BY_NAME[face], name, own_gil=True) for face, name in twins.items()),
    ]
    return "\n".join(parts) + "\n"


def cdef_text(functions: Iterable[Function]) -> str:
    from gilcompat.corpus.signatures import cdef_prelude
    functions = list(functions) + [spin_function()]
    return (cdef_prelude(functions) + "\n".join(f.declaration for f in functions) + "\n"
            + PROBE_CDEF)
