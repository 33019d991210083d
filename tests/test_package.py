"""The package as users get it: the wheel, installed (not editable) into a fresh venv and
run from a folder outside the repository; and the child boundary, checked in a clean
interpreter and in the source."""

import ast
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import interpreters_under_test

PACKAGE = Path(__file__).resolve().parent.parent / "compat" / "gilcompat"
CORPUS = Path(__file__).resolve().parent.parent / "extensions"
CHILD_SIDE = ("gilcompat.child", "gilcompat.scenario")


@pytest.fixture(scope="module")
def installed(gilcompat_wheel, tmp_path_factory):
    """A fresh venv with the wheel and its dependencies installed by pip."""
    folder = tmp_path_factory.mktemp("user-venv")
    venv.create(folder, with_pip=True)
    python = folder / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", str(gilcompat_wheel)],
                   check=True, capture_output=True)
    return folder


def run_installed(venv_dir, folder, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return subprocess.run([str(venv_dir / "bin" / "gilcompat"), *args], capture_output=True,
                          text=True, cwd=folder, env=env, timeout=900)


def test_installed_wheel_lists_every_case_from_another_folder(installed, tmp_path):
    proc = run_installed(installed, tmp_path, "list", "--json")
    assert proc.returncode == 0, proc.stderr
    listed = sorted(c["name"] for c in json.loads(proc.stdout)["cases"])
    assert listed == sorted(p.name for p in CORPUS.iterdir() if (p / "case.toml").exists())
    top = sorted(p.name for p in (installed / "lib").glob("python3*/site-packages/*"))
    assert "gilcompat" in top and "compat" not in top and "extensions" not in top


def test_installed_wheel_runs_global_counter_from_another_folder(installed, tmp_path,
                                                                 request):
    pythons = [sys.executable] + [i.executable for i in interpreters_under_test(request.config)
                                  if i.free_threaded][:1]
    args = ["run", "--case", "global_counter", "--json", str(tmp_path / "out.json")]
    for python in pythons:
        args += ["--python", python]
    proc = run_installed(installed, tmp_path, *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    cells = json.loads((tmp_path / "out.json").read_text())["cells"]
    # Every cell ok, but the subinterp mode's where this build has none (3.11).
    assert cells and all(c["verdict"] == "ok" or c["evidence"].startswith("mode subinterp")
                         for c in cells)
    # On a free-threaded build: the table CORPUS.md gives for global_counter.
    ft = {(c["face"], c["mode"]): c["outcome"] for c in cells if c["interpreter"].endswith("t")}
    if ft:
        assert ft[("capi", "default")] == "holds" and ft[("capi", "gil0")] == "broken"
        assert ft[("capi-optin", "default")] == "broken"
        assert all(ft[(face, "gil1")] == "holds" for face in ("cffi", "capi", "capi-optin"))


def test_child_side_loads_only_the_standard_library(tmp_path):
    code = ("import sys; before = set(sys.modules)\n"
            "import gilcompat.child.cell, gilcompat.scenario\n"
            "print('\\n'.join(sorted(set(sys.modules) - before)))")
    proc = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, env={"PYTHONPATH": str(PACKAGE.parent)})
    assert proc.returncode == 0, proc.stderr
    loaded = proc.stdout.split()
    ours = [m for m in loaded if m.split(".")[0] == "gilcompat"]
    assert ours and all(m == "gilcompat" or m.startswith(CHILD_SIDE) for m in ours), ours
    foreign = [m for m in loaded if m.split(".")[0] not in sys.stdlib_module_names
               and m.split(".")[0] != "gilcompat"]
    assert foreign == []


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def test_no_module_imports_across_the_child_boundary_but_the_entry():
    """Child-side modules import only the standard library and the child side; every
    other module takes from the child only what ``gilcompat.child`` itself exports."""
    for path in PACKAGE.rglob("*.py"):
        name = "gilcompat." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        name = name.replace(".__init__", "")
        for module, names in _imports(path):
            if not module.startswith("gilcompat"):
                continue
            if name.startswith(CHILD_SIDE):
                assert module.startswith(CHILD_SIDE), f"{path}: imports {module}"
            elif module.startswith("gilcompat.child"):
                assert module == "gilcompat.child", f"{path}: imports {module}"
