"""What PyGILState_Ensure does inside a subinterpreter, per interpreter build.

The PyGILState_* API supports only the main interpreter. The subinterp mode's threads
are threads of the main interpreter that run code in a subinterpreter; this compiles a
tiny extension for each interpreter given and asks, from such a thread:

- attached: with the subinterpreter's thread state attached, does Ensure switch to
  another thread state, or another interpreter? Is the thread state restored after?
- released: after Py_BEGIN_ALLOW_THREADS, which interpreter does Ensure attach to?

    python bench/gilstate_subinterp.py --python ~/.pyenv/versions/3.12.1/bin/python3.12 \\
        --python ~/.pyenv/versions/3.13.0/bin/python3.13

Run by hand; the README quotes what it printed.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

C_SOURCE = r"""
#include <Python.h>
static PyObject *attached(PyObject *self, PyObject *args)
{
    PyThreadState *before = PyThreadState_Get();
    PyGILState_STATE state = PyGILState_Ensure();
    PyThreadState *inside = PyThreadState_Get();
    int switched = inside != before, other = inside->interp != before->interp;
    PyGILState_Release(state);
    return Py_BuildValue("{s:i,s:i,s:i}", "switched_thread_state", switched,
                         "other_interpreter", other,
                         "restored", PyThreadState_Get() == before);
}
static PyObject *released(PyObject *self, PyObject *args)
{
    PyInterpreterState *mine = PyThreadState_Get()->interp;
    int other, main_one;
    Py_BEGIN_ALLOW_THREADS
    PyGILState_STATE state = PyGILState_Ensure();
    PyInterpreterState *got = PyThreadState_Get()->interp;
    other = got != mine;
    main_one = got == PyInterpreterState_Main();
    PyGILState_Release(state);
    Py_END_ALLOW_THREADS
    return Py_BuildValue("{s:i,s:i}", "other_interpreter", other, "main_interpreter", main_one);
}
static PyMethodDef methods[] = {
    {"attached", attached, METH_NOARGS, NULL},
    {"released", released, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}};
static PyModuleDef_Slot slots[] = {
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#ifdef Py_mod_gil
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "gse", NULL, 0, methods, slots};
PyMODINIT_FUNC PyInit_gse(void) { return PyModuleDef_Init(&def); }
"""

DRIVER = r"""
import json, sys, threading
try:
    import _interpreters as low
except ImportError:
    import _xxsubinterpreters as low
path, out = sys.argv[1], sys.argv[2]
code = f'''
import importlib.machinery, importlib.util, json
loader = importlib.machinery.ExtensionFileLoader("gse", {path!r})
spec = importlib.util.spec_from_file_location("gse", {path!r}, loader=loader)
module = importlib.util.module_from_spec(spec)
loader.exec_module(module)
with open({out!r}, "w") as handle:
    json.dump({{"attached": module.attached(), "released": module.released()}}, handle)
'''
interp = low.create("isolated") if hasattr(low, "exec") else low.create(isolated=True)
def run():
    failure = low.exec(interp, code) if hasattr(low, "exec") else low.run_string(interp, code)
    if failure is not None:
        print(failure, file=sys.stderr)
thread = threading.Thread(target=run)
thread.start()
thread.join()
low.destroy(interp)
"""


def measure(python: str, folder: Path) -> dict:
    info = json.loads(subprocess.run(
        [python, "-c", "import json, sys, sysconfig; print(json.dumps({'v': sys.version.split()[0],"
         " 'inc': sysconfig.get_paths()['include'], 'ext': sysconfig.get_config_var('EXT_SUFFIX'),"
         " 'ft': bool(sysconfig.get_config_var('Py_GIL_DISABLED'))}))"],
        capture_output=True, text=True, check=True).stdout)
    source, library = folder / "gse.c", folder / f"gse{info['ext']}"
    source.write_text(C_SOURCE)
    subprocess.run(["cc", "-shared", "-fPIC", f"-I{info['inc']}", str(source), "-o", str(library)],
                   check=True)
    out = folder / "out.json"
    proc = subprocess.run([python, "-c", DRIVER, str(library), str(out)], capture_output=True,
                          text=True, timeout=60)
    found = json.loads(out.read_text()) if out.exists() else {"failed": proc.returncode,
                                                              "stderr": proc.stderr[-500:]}
    return {"python": python, "version": info["v"], "free_threaded": info["ft"], **found}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="append", required=True, metavar="EXE")
    args = parser.parse_args()
    for python in args.python:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(measure(python, Path(tmp))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
