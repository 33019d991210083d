"""The faces: each way Python reaches a case's C functions, one module each in the case's
one shared object.

Beside the cffi module, generated C-API modules take every route a module has into the
interpreter (its **init route**), with and without a declaration:

====================  ================================  ====================
face                  route                             declares
====================  ================================  ====================
capi                  multi-phase (``PyModuleDef_Init``)  nothing
capi-optin            multi-phase                       ``Py_MOD_GIL_NOT_USED``
capi-used             multi-phase                       ``Py_MOD_GIL_USED``
capi-single           single-phase (``PyModule_Create``)  nothing
capi-single-optin     single-phase + ``PyUnstable_Module_SetGIL``  not used
capi-export           PEP 793 ``PyModExport_<name>``      nothing
capi-export-optin     PEP 793, ``Py_mod_gil`` slot      ``Py_MOD_GIL_NOT_USED``
====================  ================================  ====================

A face the interpreter cannot have is compiled out of the shared object (the same
version test in C as ``absent_reason`` makes here) and its cells are skipped with the
reason. This table is the one place that says which faces exist where.

Per-interpreter GILs (PEP 684, the ``subinterp`` mode) have a declaration of their own,
``Py_mod_multiple_interpreters``. No face's module declares it, so each must be refused
by an interpreter with its own GIL; the routes that can declare it (multi-phase and the
export hook; single-phase and cffi's modules cannot) also get a declared form, a twin
module named with OWN_GIL_SUFFIX, which the mode loads to run the case.
"""

import fnmatch
from dataclasses import dataclass
from typing import Optional, Tuple

NOTHING, USED, NOT_USED = "nothing", "used", "not-used"


@dataclass(frozen=True)
class Face:
    name: str
    route: str                         # cffi, multi-phase, single-phase, export
    declares: str                      # NOTHING, USED, NOT_USED ("cffi": cffi decides)
    suffix: str                        # the module's name is the case's base + suffix
    since: Tuple[int, int] = (3, 0)    # first Python that has the route or declaration
    until: Optional[Tuple[int, int]] = None    # first Python whose form we do not write
    cpython_only: bool = False
    needs: str = ""                    # what ``since``/``cpython_only`` stand for

    @property
    def is_capi(self) -> bool:
        return self.route != "cffi"

    @property
    def can_declare_own_gil(self) -> bool:
        """Can this route's module declare Py_mod_multiple_interpreters at all?"""
        return self.route in ("multi-phase", "export")

    @property
    def has_module_state(self) -> bool:
        """Does the face's module get per-module state (PyModule_GetState)?"""
        return self.route in ("multi-phase", "export")


FACE_TABLE = (
    Face("cffi", "cffi", "cffi", ""),
    Face("capi", "multi-phase", NOTHING, "_capi"),
    Face("capi-optin", "multi-phase", NOT_USED, "_capi_optin"),
    Face("capi-used", "multi-phase", USED, "_capi_used", since=(3, 13),
         needs="the Py_mod_gil slot (Python 3.13)"),
    Face("capi-single", "single-phase", NOTHING, "_capi_single"),
    Face("capi-single-optin", "single-phase", NOT_USED, "_capi_single_optin", since=(3, 13),
         cpython_only=True, needs="PyUnstable_Module_SetGIL (CPython 3.13)"),
    # 3.16 changed the hook's return type to PySlot *; only 3.15's PyModuleDef_Slot
    # form is written (from the 3.15 documentation: no 3.15 build can be made here).
    Face("capi-export", "export", NOTHING, "_capi_export", since=(3, 15), until=(3, 16),
         cpython_only=True, needs="the PEP 793 export hook PyModExport_<name> "
         "(CPython 3.15, in its PyModuleDef_Slot form)"),
    Face("capi-export-optin", "export", NOT_USED, "_capi_export_optin", since=(3, 15),
         until=(3, 16), cpython_only=True, needs="the PEP 793 export hook "
         "PyModExport_<name> (CPython 3.15, in its PyModuleDef_Slot form)"),
)
BY_NAME = {face.name: face for face in FACE_TABLE}
OWN_GIL_SUFFIX = "_own_gil"      # the twin declaring Py_MOD_PER_INTERPRETER_GIL_SUPPORTED
FACES = tuple(BY_NAME)
DEFAULT_FACES = ("cffi", "capi", "capi-optin")
INIT_FACES = tuple(f for f in FACES if f not in DEFAULT_FACES)
# The init-path faces run these cases in every run that names no case and no face:
# the probe (every cell carries it) plus a counter, and the GIL turned on mid-run.
CONFORMANCE_CASES = ("global_counter", "late_import")


def absent_reason(face: str, implementation: str, version: Tuple[int, int]) -> Optional[str]:
    """Why the interpreter cannot have ``face`` (None when it can)."""
    spec = BY_NAME[face]
    if spec.cpython_only and implementation != "cpython":
        return f"{face} needs {spec.needs}, which {implementation} does not have"
    if version < spec.since:
        return f"{face} needs {spec.needs}; this is Python %d.%d" % version
    if spec.until and version >= spec.until:
        return (f"{face} is written for {spec.needs}; Python %d.%d changed the hook's "
                "form" % version)
    return None


def c_guard(face: str) -> str:
    """The preprocessor test that compiles the face's module in exactly where
    ``absent_reason`` says the interpreter can have it ("" where every one can)."""
    spec = BY_NAME[face]
    tests = []
    if spec.since > (3, 0):
        tests.append("PY_VERSION_HEX >= 0x%02X%02X0000" % spec.since)
    if spec.until:
        tests.append("PY_VERSION_HEX < 0x%02X%02X0000" % spec.until)
    if spec.cpython_only:
        tests.append("!defined(PYPY_VERSION)")
    return " && ".join(tests)


def declares_nothing(face: str, cffi_declares: bool) -> bool:
    """Does the face's module leave the interpreter to assume it needs the GIL?
    (``Py_MOD_GIL_USED`` says so explicitly: the rule is the same.)"""
    declares = BY_NAME[face].declares
    if declares == "cffi":
        return not cffi_declares
    return declares in (NOTHING, USED)


def declares_not_used(face: str, cffi_declares: bool) -> bool:
    declares = BY_NAME[face].declares
    return cffi_declares if declares == "cffi" else declares == NOT_USED


def matching(pattern: str) -> Tuple[str, ...]:
    """The faces a case.toml ``face`` pattern names (``capi*``: every C-API face)."""
    return tuple(f for f in FACES if fnmatch.fnmatchcase(f, pattern))
