"""The C types a case may use in the functions it exposes, and how each face converts them.

A case declares its functions as plain C declarations in case.toml. Only the types below
are accepted: each one knows its ``PyArg_ParseTuple`` code and its ``Py...From...``
constructor for the ``capi`` faces, and how the ``cffi`` face passes or returns it.
Python objects are passed as ``PyObject *`` (arguments only: a case returns C values it
read from objects, which is what its check compares).
"""

import re
from dataclasses import dataclass
from typing import List, Optional


@dataclass(frozen=True)
class CType:
    spelling: str                 # as written in C, normalised: "long", "PyObject *"
    parse_code: Optional[str]     # PyArg_ParseTuple code; None: not allowed as argument
    build: Optional[str]          # C expression building the Python result from `r`
    c_decl: str = ""              # how a local of this type is declared in a wrapper

    @property
    def is_object(self) -> bool:
        return self.spelling == "PyObject *"

    @property
    def is_string(self) -> bool:
        return self.spelling == "const char *"


TYPES = {t.spelling: t for t in [
    CType("void", None, "(Py_INCREF(Py_None), Py_None)"),
    CType("int", "i", "PyLong_FromLong(r)", "int"),
    CType("long", "l", "PyLong_FromLong(r)", "long"),
    CType("long long", "L", "PyLong_FromLongLong(r)", "long long"),
    CType("unsigned long", "k", "PyLong_FromUnsignedLong(r)", "unsigned long"),
    CType("double", "d", "PyFloat_FromDouble(r)", "double"),
    CType("const char *", "s", "(r ? PyUnicode_FromString(r) : (Py_INCREF(Py_None), Py_None))",
          "const char *"),
    CType("PyObject *", "O", None, "PyObject *"),
]}


@dataclass(frozen=True)
class Param:
    ctype: CType
    name: str


@dataclass(frozen=True)
class Function:
    name: str
    result: CType
    params: List[Param]

    @property
    def declaration(self) -> str:
        args = ", ".join(f"{p.ctype.spelling} {p.name}" for p in self.params) or "void"
        return f"{self.result.spelling} {self.name}({args});"

    @property
    def takes_objects(self) -> bool:
        return any(p.ctype.is_object for p in self.params)


class DeclarationError(ValueError):
    pass


_DECL = re.compile(r"^\s*(?P<ret>[A-Za-z_][\w\s]*?\**)\s*(?P<name>[A-Za-z_]\w*)\s*"
                   r"\((?P<args>[^()]*)\)\s*;?\s*$")


def _normalise(spelling: str) -> str:
    spelling = re.sub(r"\s+", " ", spelling.strip())
    return re.sub(r"\s*\*", " *", spelling).replace("* *", "**")


def _type(spelling: str, where: str) -> CType:
    norm = _normalise(spelling)
    if norm not in TYPES:
        raise DeclarationError(f"{where}: type {spelling.strip()!r} is not supported "
                               f"(use one of: {', '.join(TYPES)})")
    return TYPES[norm]


def parse_declaration(text: str) -> Function:
    """Parse ``"long gc_add(long n, PyObject *o);"`` into a Function."""
    match = _DECL.match(text)
    if not match:
        raise DeclarationError(f"cannot read {text!r} as a C function declaration "
                               f"like 'long f(long n);'")
    name = match.group("name")
    result = _type(match.group("ret"), f"result of {name}")
    if result.is_object:
        raise DeclarationError(f"{name} returns PyObject *: return the C value your check "
                               f"needs instead (objects may only be passed in)")
    params = []
    args = match.group("args").strip()
    if args and args != "void":
        for index, arg in enumerate(args.split(",")):
            arg_match = re.match(r"^(.*?)([A-Za-z_]\w*)\s*$", arg.strip())
            if not arg_match or not arg_match.group(1).strip():
                raise DeclarationError(f"argument {index + 1} of {name}: write a type and "
                                       f"a name, like 'long n'")
            ctype = _type(arg_match.group(1), f"argument {index + 1} of {name}")
            if ctype.parse_code is None:
                raise DeclarationError(f"argument {index + 1} of {name}: "
                                       f"{ctype.spelling} cannot be an argument")
            params.append(Param(ctype, arg_match.group(2)))
    return Function(name, result, params)


def cdef_prelude(functions: List[Function]) -> str:
    """What cffi's cdef needs before the declarations."""
    if any(f.takes_objects for f in functions):
        return "typedef struct _object PyObject;\n"
    return ""
