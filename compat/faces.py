"""Load one face of a built case in the child and give the scenario one ``ext`` object.

Whatever the face, ``ext.<function>(...)`` calls the case's C function with Python
values; ``PyObject *`` arguments take Python objects (the cffi face passes ``id(obj)``
cast to ``PyObject *``, which is only meaningful on CPython, where the caller keeps the
reference alive). Loading records which module, if any, turned the GIL on.

Runs in the child at start-up: standard library only, and little of it.
"""

import importlib.machinery
import importlib.util
import sys
import warnings

from compat.naming import SPIN_SETTER, module_names

_GIL_WARNING = "has been enabled to load module '"


class Ext:
    """The case's functions, as attributes, plus ``face`` and ``set_spin``."""

    def __init__(self, face, functions, set_spin):
        self.face = face
        self.set_spin = set_spin
        self.__dict__.update(functions)


def gil_enabled():
    probe = getattr(sys, "_is_gil_enabled", None)
    return bool(probe()) if probe else True


def module_named_in(message):
    """The module a 'GIL has been enabled to load module' warning names, else None."""
    start = message.find(_GIL_WARNING)
    if start < 0:
        return None
    start += len(_GIL_WARNING)
    end = message.find("'", start)
    return message[start:end] if end > start else None


def _load_extension(name, path):
    loader = importlib.machinery.ExtensionFileLoader(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    sys.modules[name] = module
    return module


def _cffi_call(lib, ffi, function):
    """``function`` is the parent's digest: name, objects (per argument), returns_string."""
    raw = getattr(lib, function["name"])
    objects, returns_string = function["objects"], function["returns_string"]
    if not any(objects) and not returns_string:
        return raw

    def call(*args):
        converted = [ffi.cast("PyObject *", id(a)) if is_obj else a
                     for a, is_obj in zip(args, objects)]
        result = raw(*converted)
        if returns_string:
            return None if result == ffi.NULL else ffi.string(result).decode()
        return result
    call.__name__ = function["name"]
    return call


def load_face(shared_object, base, face, functions):
    """Import ``face`` of the case; return its ``Ext`` and the module that turned the GIL
    on during the import (None when nothing did)."""
    name = module_names(base)[face]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = _load_extension(name, shared_object)
    named = [module_named_in(str(w.message)) for w in caught]
    enabled_by = next((n for n in named if n), None)
    if face == "cffi":
        calls = {f["name"]: _cffi_call(module.lib, module.ffi, f) for f in functions}
        set_spin = getattr(module.lib, SPIN_SETTER)
    else:
        calls = {f["name"]: getattr(module, f["name"]) for f in functions}
        set_spin = getattr(module, SPIN_SETTER)
    return Ext(face, calls, set_spin), enabled_by
