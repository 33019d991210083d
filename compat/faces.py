"""Load one face of a built case in the child and give the scenario one ``ext`` object.

Whatever the face, ``ext.<function>(...)`` calls the case's C function with Python
values; ``PyObject *`` arguments take Python objects (the cffi face passes ``id(obj)``
cast to ``PyObject *``, which is only meaningful on CPython, where the caller keeps the
reference alive). Loading records which module, if any, turned the GIL on.
"""

import importlib.machinery
import importlib.util
import re
import sys
import warnings
from typing import List, Optional, Tuple

from compat.capi_faces import SPIN_SETTER, module_names
from compat.ctypes_table import Function

_GIL_WARNING = re.compile(r"GIL\)? has been enabled to load module '([^']+)'")


class Ext:
    """The case's functions, as attributes, plus ``face`` and ``set_spin``."""

    def __init__(self, face: str, functions: dict, set_spin):
        self.face = face
        self.set_spin = set_spin
        self.__dict__.update(functions)


def gil_enabled() -> bool:
    probe = getattr(sys, "_is_gil_enabled", None)
    return bool(probe()) if probe else True


def _load_extension(name: str, path: str):
    loader = importlib.machinery.ExtensionFileLoader(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    sys.modules[name] = module
    return module


def _cffi_call(lib, ffi, function: Function):
    raw = getattr(lib, function.name)
    if not function.takes_objects and not function.result.is_string:
        return raw
    casts = [p.ctype.is_object for p in function.params]

    def call(*args):
        converted = [ffi.cast("PyObject *", id(a)) if is_obj else a
                     for a, is_obj in zip(args, casts)]
        result = raw(*converted)
        if function.result.is_string:
            return None if result == ffi.NULL else ffi.string(result).decode()
        return result
    call.__name__ = function.name
    return call


def load_face(shared_object: str, base: str, face: str,
              functions: List[Function]) -> Tuple[Ext, Optional[str]]:
    """Import ``face`` of the case; return its ``Ext`` and the module that turned the GIL
    on during the import (None when nothing did)."""
    name = module_names(base)[face]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = _load_extension(name, shared_object)
    enabled_by = None
    for warning in caught:
        match = _GIL_WARNING.search(str(warning.message))
        if match:
            enabled_by = match.group(1)
            break
    if face == "cffi":
        calls = {f.name: _cffi_call(module.lib, module.ffi, f) for f in functions}
        set_spin = getattr(module.lib, SPIN_SETTER)
    else:
        calls = {f.name: getattr(module, f.name) for f in functions}
        set_spin = getattr(module, SPIN_SETTER)
    return Ext(face, calls, set_spin), enabled_by
