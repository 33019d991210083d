"""Generate the C source that sits beside a case in its one shared object.

It defines the spin knob, declares the case's functions (so cffi's wrappers compile),
and adds two classic C-API modules that call the same functions with the GIL held:

- ``<base>_capi``: no ``Py_mod_gil`` slot, so a free-threaded interpreter must turn the
  GIL on when it loads it (the opt-in rule);
- ``<base>_capi_optin``: the same module declaring ``Py_MOD_GIL_NOT_USED``.

Both use multi-phase init so that the slot can be declared.
"""

from typing import Iterable, List

from compat.ctypes_table import Function
from compat.naming import SPIN_SETTER, module_names


def _wrapper(function: Function) -> str:
    lines = [f"static PyObject *\ngcw_{function.name}(PyObject *self, PyObject *args)\n{{"]
    for index, param in enumerate(function.params):
        lines.append(f"    {param.ctype.c_decl} a{index};")
    codes = "".join(p.ctype.parse_code for p in function.params)
    refs = "".join(f", &a{i}" for i in range(len(function.params)))
    lines.append(f'    if (!PyArg_ParseTuple(args, "{codes}:{function.name}"{refs})) return NULL;')
    call = f"{function.name}({', '.join(f'a{i}' for i in range(len(function.params)))})"
    if function.result.spelling == "void":
        lines.append(f"    {call};")
        lines.append("    if (PyErr_Occurred()) return NULL;")
        lines.append("    Py_RETURN_NONE;")
    else:
        lines.append(f"    {function.result.c_decl} r = {call};")
        lines.append("    if (PyErr_Occurred()) return NULL;")
        lines.append(f"    return {function.result.build};")
    lines.append("}")
    return "\n".join(lines)


def _module(name: str, functions: List[Function], optin: bool) -> str:
    table = "".join(f'    {{"{f.name}", gcw_{f.name}, METH_VARARGS, NULL}},\n' for f in functions)
    tag = "optin" if optin else "plain"
    gil_slot = ("#if PY_VERSION_HEX >= 0x030D0000\n"
                "    {Py_mod_gil, Py_MOD_GIL_NOT_USED},\n"
                "#endif\n") if optin else ""
    return f"""
static PyMethodDef gc_methods_{tag}[] = {{
{table}    {{NULL, NULL, 0, NULL}}
}};
static int gc_exec_{tag}(PyObject *m) {{ (void)m; return 0; }}
static PyModuleDef_Slot gc_slots_{tag}[] = {{
    {{Py_mod_exec, (void *)gc_exec_{tag}}},
{gil_slot}    {{0, NULL}}
}};
static struct PyModuleDef gc_def_{tag} = {{
    PyModuleDef_HEAD_INIT, "{name}", NULL, 0, gc_methods_{tag},
    gc_slots_{tag}, NULL, NULL, NULL
}};
PyMODINIT_FUNC PyInit_{name}(void) {{ return PyModuleDef_Init(&gc_def_{tag}); }}
"""


def spin_function() -> Function:
    from compat.ctypes_table import parse_declaration
    return parse_declaration(f"void {SPIN_SETTER}(int n);")


def generated_source(base: str, functions: Iterable[Function]) -> str:
    """The C text handed to cffi's ``set_source`` for a case."""
    functions = list(functions) + [spin_function()]
    names = module_names(base)
    parts = [
        '#include "gilcompat.h"',
        "int gilcompat_spin_iterations = 0;",
        f"void {SPIN_SETTER}(int n) "
        "{ __atomic_store_n(&gilcompat_spin_iterations, n, __ATOMIC_RELAXED); }",
        *(f.declaration for f in functions[:-1]),
        *(_wrapper(f) for f in functions),
        _module(names["capi"], functions, optin=False),
        _module(names["capi-optin"], functions, optin=True),
    ]
    return "\n".join(parts) + "\n"


def cdef_text(functions: Iterable[Function]) -> str:
    from compat.ctypes_table import cdef_prelude
    functions = list(functions) + [spin_function()]
    return cdef_prelude(functions) + "\n".join(f.declaration for f in functions) + "\n"
