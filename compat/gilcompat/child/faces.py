"""Load one face of a built case in the child and give the scenario one ``ext`` object.

Whatever the face, ``ext.<function>(...)`` calls the case's C function with Python
values; ``PyObject *`` arguments take Python objects (the cffi face passes ``id(obj)``
cast to ``PyObject *``, which is only meaningful on CPython, where the caller keeps the
reference alive). Loading records which module, if any, said it turned the GIL on.
Every name (modules, spin setter, probe functions) comes from the parent's request.

Runs in the child at start-up: standard library only, and little of it.
"""

import importlib.machinery
import importlib.util
import sys
import warnings

from gilcompat.child.gil_state import module_named_in


class Ext:
    """The case's functions, as attributes, plus ``face``, ``set_spin`` and the probe's
    two calls (``probe_held``, ``probe_free``)."""

    def __init__(self, face, functions, set_spin, probe_held, probe_free):
        self.face = face
        self.set_spin = set_spin
        self.probe_held, self.probe_free = probe_held, probe_free
        self.__dict__.update(functions)


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


def load_face(shared_object, face, names, functions):
    """Import ``face`` of the case (``names``: module, spin setter and probe names from
    the parent); return its ``Ext`` and the module that said it turned the GIL on
    during the import (None when none did)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = _load_extension(names["module"], shared_object)
    named = [module_named_in(str(w.message)) for w in caught]
    enabled_by = next((n for n in named if n), None)
    scope = module.lib if face == "cffi" else module
    if face == "cffi":
        calls = {f["name"]: _cffi_call(module.lib, module.ffi, f) for f in functions}
    else:
        calls = {f["name"]: getattr(module, f["name"]) for f in functions}
    probe = names["probe"]
    ext = Ext(face, calls, getattr(scope, names["spin_setter"]),
              getattr(scope, probe["held"]), getattr(scope, probe["free"]))
    return ext, enabled_by
