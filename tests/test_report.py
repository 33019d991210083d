"""The conformance report, rendered from real results of real runs, and its HTML opened
in headless Chromium."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import interpreters_under_test, prelude_launcher, prepared_interpreter

CASES = ["global_counter", "container_append"]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def gilcompat(*args):
    return subprocess.run([sys.executable, "-m", "gilcompat", *args], capture_output=True,
                          text=True, timeout=900)


def run_cases(out: Path, pythons, *extra, cases=CASES):
    args = ["run", "--json", str(out), *extra]
    for case in cases:
        args += ["--case", case]
    for python in pythons:
        args += ["--python", python]
    proc = gilcompat(*args)
    assert out.exists(), proc.stderr
    return proc


def free_threaded(config):
    found = [i for i in interpreters_under_test(config) if i.free_threaded]
    if not found:
        if os.environ.get("CI"):
            pytest.fail("CI must run the report tests on a free-threaded interpreter")
        pytest.skip("no free-threaded interpreter under test (pass --gilcompat-python)")
    return prepared_interpreter(found[0])


@pytest.fixture(scope="module")
def honest(request, tmp_path_factory):
    """Real results from the GIL CPython running the tests and a free-threaded build."""
    ft = free_threaded(request.config)
    out = tmp_path_factory.mktemp("honest") / "results.json"
    proc = run_cases(out, [sys.executable, ft.executable])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@pytest.fixture(scope="module")
def violating(request, tmp_path_factory):
    """Real results from an interpreter that breaks the opt-in rule: the free-threaded
    build behind a wrapper that forces the GIL off for every module, so a module
    without Py_mod_gil runs with the GIL off in default mode."""
    ft = free_threaded(request.config)
    folder = tmp_path_factory.mktemp("violating")
    wrapper = folder / "python-ignoring-py-mod-gil"
    wrapper.write_text(f'#!/bin/sh\nPYTHON_GIL=0 exec "{ft.python}" "$@"\n')
    wrapper.chmod(0o755)
    out = folder / "results.json"
    run_cases(out, [str(wrapper)], "--mode", "default")
    return out


def report(tmp_path: Path, *results) -> dict:
    paths = {k: tmp_path / f"report.{k}" for k in ("md", "html", "json")}
    proc = gilcompat("report", *map(str, results), "--md", str(paths["md"]),
                     "--html", str(paths["html"]), "--json", str(paths["json"]))
    assert proc.returncode == 0, proc.stderr
    return paths


# A GIL replacement that does not describe itself the way CPython 3.13 does: the real
# free-threaded build, started with the GIL forced off, with sys._is_gil_enabled hidden
# and sysconfig saying no Py_GIL_DISABLED.
HIDES_FREE_THREADING = (
    "import sys, sysconfig\n"
    "try:\n    del sys._is_gil_enabled\nexcept AttributeError:\n    pass\n"
    "_get = sysconfig.get_config_var\n"
    "sysconfig.get_config_var = lambda n: 0 if n == 'Py_GIL_DISABLED' else _get(n)\n")


@pytest.fixture(scope="module")
def stand_in(request, tmp_path_factory):
    """Real results from an interpreter that runs C code in parallel without declaring
    free threading (the free-threaded build behind a launcher that hides it)."""
    ft = free_threaded(request.config)
    folder = tmp_path_factory.mktemp("stand-in")
    launcher = prelude_launcher(folder / "python3.13", ft.python, HIDES_FREE_THREADING,
                                flags=["-X", "gil=0"])
    out = folder / "results.json"
    run_cases(out, [str(launcher), ft.executable])
    return out


def test_every_build_is_judged_by_the_opt_in_rule_with_proof(honest, tmp_path):
    paths = report(tmp_path, honest)
    data = json.loads(paths["json"].read_text())
    by_id = {i["id"]: i for i in data["interpreters"]}
    ft = [i for i in data["interpreters"] if i["free_threaded"]]
    gil = [i for i in data["interpreters"] if not i["free_threaded"]]
    assert ft and gil and all(i["executable"] for i in data["interpreters"])
    for entry in ft:
        assert entry["opt_in_rule"] == "honored" and entry["parallel"] is True
        assert any("GIL measured off before the import" in e for e in entry["opt_in_evidence"])
    for entry in gil:
        assert entry["opt_in_rule"] == "honored" and entry["parallel"] is False
        assert any("never ran GIL-held C code in parallel" in e
                   for e in entry["opt_in_evidence"])
        assert entry["in_plain_words"].startswith("Yes")
    cells = [c for c in data["cells"] if c["outcome"] != "skipped"]
    # A subinterp cell of a route that cannot declare support measures only the refusal.
    refusal_only = [c for c in cells if c["exclusion"] is None]
    assert all(c["mode"] == "subinterp" and c["subinterp_rule"] == "honored"
               for c in refusal_only)
    assert all(c["exclusion"]["control_overlaps"] > 0 or c["exclusion"]["overlaps"] > 0
               for c in cells if c not in refusal_only)
    # The interpreter's word is recorded beside the measurement, null where it has none.
    assert all(c["gil_reported"] is None for c in cells
               if tuple(map(int, by_id[c["interpreter"]]["version"].split("."))) < (3, 13))
    assert "**opt-in rule: honored**" in paths["md"].read_text()


def test_a_stand_in_running_in_parallel_undeclared_is_caught(stand_in, tmp_path):
    data = json.loads(report(tmp_path, stand_in)["json"].read_text())
    stand, real = sorted(data["interpreters"], key=lambda i: i["free_threaded"])
    assert not stand["free_threaded"] and real["free_threaded"]
    assert stand["id"] != real["id"]
    assert stand["opt_in_rule"] == "violated" and stand["parallel"] is True
    assert stand["in_plain_words"].startswith("No")
    assert "without declaring" in stand["build_kind"]
    assert real["opt_in_rule"] == "honored"
    mine = [c for c in data["cells"] if c["interpreter"] == stand["id"]]
    default = [c for c in mine if c["mode"] == "default"]
    assert default and all(c["gil_enabled"] is False and c["gil_reported"] is None
                           for c in default)
    capi = next(c for c in default if c["case"] == "global_counter" and c["face"] == "capi")
    assert capi["verdict"] == "violation" and capi["outcome"] == "broken"
    # Its forcing modes were tried: PYTHON_GIL=1 did nothing on it, and the cell says so.
    gil1 = [c for c in mine if c["mode"] == "gil1"]
    assert gil1 and all(c["outcome"] == "skipped" and "PYTHON_GIL=1" in c["evidence"]
                        for c in gil1)


def test_interpreter_ignoring_py_mod_gil_is_marked_violated_with_its_cells(violating, tmp_path):
    data = json.loads(report(tmp_path, violating)["json"].read_text())
    (entry,) = data["interpreters"]
    assert entry["opt_in_rule"] == "violated"
    assert any("global_counter capi/default" in e for e in entry["opt_in_evidence"])
    cell = next(c for c in data["cells"] if c["face"] == "capi" and c["case"] == "global_counter")
    assert cell["gil_enabled"] is False and cell["verdict"] == "violation"


def test_diff_puts_the_new_violation_first_and_exits_1(honest, violating, tmp_path):
    old = json.loads(honest.read_text())
    new = json.loads(violating.read_text())
    # Same interpreter id on both sides, so the cells line up as "the nightly build changed".
    ft_id = next(i["id"] for i in old["interpreters"] if i["free_threaded"])
    for cell in new["cells"]:
        cell["interpreter"] = ft_id
    new["interpreters"][0]["id"] = ft_id
    (tmp_path / "new.json").write_text(json.dumps(new))
    proc = gilcompat("report", "--diff", str(honest), str(tmp_path / "new.json"))
    assert proc.returncode == 1, proc.stdout
    lines = [l for l in proc.stdout.splitlines() if l.startswith(("regression", "changed"))]
    # The capi route went from honored to violated: listed before any cell.
    assert lines[0].startswith("regression") and "route capi: honored -> violated" in lines[0]
    first_cell = next(l for l in lines if " route " not in l)
    assert first_cell.startswith("regression") and "-> " in first_cell and \
        "violation" in first_cell
    same = gilcompat("report", "--diff", str(honest), str(honest))
    assert same.returncode == 0 and "no cell changed" in same.stdout


def chromium():
    exe = shutil.which("chromium")
    if not exe:
        if os.environ.get("CI"):
            pytest.fail("CI must provide Debian's chromium (./tasks test installs it)")
        pytest.skip("no chromium on this machine")
    return exe


def test_html_loads_without_console_errors_and_shows_every_cell(honest, tmp_path):
    paths = report(tmp_path, honest)
    cells = json.loads(honest.read_text())["cells"]
    proc = subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
         "--enable-logging=stderr", "--v=0", "--dump-dom", paths["html"].as_uri()],
        capture_output=True, text=True, timeout=120)
    dom = proc.stdout
    assert f'data-ready="{len(cells)}"' in dom, "the page's script did not run to its end"
    console = [l for l in proc.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
    assert console == []
    for cell in cells:
        label = f"{cell['case']} on {cell['interpreter']}, {cell['face']}/{cell['mode']}"
        assert f'data-label="{label}"' in dom
    assert "http://" not in paths["html"].read_text() and "https://" not in paths["html"].read_text()
