"""Each round writes a fresh module (a unique name) into a temporary folder on sys.path;
eight threads import it at once. Its body counts itself in C (through a hook in
builtins), then holds the import open until every thread has asked for the module, so
the others really wait on it. The count must be 1, and every thread must get the same
module object."""

import atexit
import builtins
import importlib
import itertools
import os
import shutil
import sys
import tempfile
import time

HOOK = "_gilcompat_import_once_hook"
_folder = None
_rounds = itertools.count(1)


def _make_folder():
    global _folder
    if _folder is None:
        _folder = tempfile.mkdtemp(prefix="gilcompat-import-once-")
        atexit.register(shutil.rmtree, _folder, True)
        sys.path.insert(0, _folder)
    return _folder


BODY = f"""import builtins
builtins.{HOOK}()
"""


def setup(ext):
    ext.io_reset()
    name = f"_gilcompat_import_once_{os.getpid()}_{next(_rounds)}"
    folder = _make_folder()
    with open(os.path.join(folder, name + ".py"), "w") as handle:
        handle.write(BODY)
    importlib.invalidate_caches()
    state = {"name": name, "asking": []}

    def hook():
        ext.io_init_ran()
        # Hold the import open until every worker has asked for the module, but never
        # over 2 s, plus a moment for the last one to get from asking to waiting on the
        # module's lock.
        deadline = time.monotonic() + 2.0
        while len(state["asking"]) < ext.threads and time.monotonic() < deadline:
            time.sleep(0.0005)
        time.sleep(0.005)

    builtins.__dict__[HOOK] = hook
    return state


def work(ext, state, thread_index, iterations):
    state["asking"].append(thread_index)
    return id(importlib.import_module(state["name"]))


def check(ext, state, returns):
    runs = ext.io_init_count()
    if runs != 1:
        return f"module body ran {runs} times for {len(returns)} concurrent imports"
    if len(set(returns)) != 1:
        return f"threads got {len(set(returns))} different module objects"
    return None
