"""The opt-in rule on every init route, measured on real interpreters: the host, the
free-threaded build and PyPy (whichever are under test), and a free-threaded build
behind a wrapper that ignores Py_mod_gil."""

import json
import subprocess
from pathlib import Path

import pytest

from gilcompat.build.cached_build import ensure_built
from gilcompat.build.names import module_names
from gilcompat.corpus.cases import corpus_root, load_cases
from gilcompat.corpus.faces import CONFORMANCE_CASES, DEFAULT_FACES, INIT_FACES
from gilcompat.run.plan import run_plan

from conftest import interpreters_under_test, prepared_interpreter
from test_report import free_threaded, gilcompat, report, run_cases

UNDECLARED = ("capi", "capi-used", "capi-single")
DECLARED = ("capi-optin", "capi-single-optin")
EXPORT = ("capi-export", "capi-export-optin")


def run_conformance(out: Path, pythons) -> dict:
    run_cases(out, pythons, "--face", "all", "--mode", "default", cases=CONFORMANCE_CASES)
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def measured(request, tmp_path_factory):
    """Every route's cells on every interpreter under test, from one real run."""
    interps = [prepared_interpreter(i) for i in interpreters_under_test(request.config)]
    out = tmp_path_factory.mktemp("routes") / "results.json"
    data = run_conformance(out, [i.executable for i in interps])
    return out, data, {i.id: i for i in interps}


def _cells(data, interp_id, face):
    return [c for c in data["cells"] if c["interpreter"] == interp_id and c["face"] == face]


def test_every_route_that_exists_measures_what_its_declaration_says(measured):
    _out, data, interps = measured
    for interp_id, interp in interps.items():
        parallel = interp.free_threaded
        for face in UNDECLARED + DECLARED + EXPORT:
            cells = _cells(data, interp_id, face)
            assert len(cells) == len(CONFORMANCE_CASES), (interp_id, face)
            if _absent(interp, face):
                assert all(c["outcome"] == "skipped" and _absent(interp, face) in c["evidence"]
                           for c in cells), (interp_id, face, cells)
                continue
            for cell in cells:
                where = (interp_id, cell["case"], face, cell["evidence"])
                assert cell["verdict"] == "ok", where
                if face in UNDECLARED:
                    assert cell["gil_enabled"] is True and cell["opt_in_rule"] == "honored", where
                else:
                    assert cell["gil_enabled"] is (not parallel), where
                assert cell["gil_before"] is (not parallel), where


def _absent(interp, face):
    """What the skip must say, from the interpreter's version (a separate statement of
    the facts that faces.py encodes, so a slip in either shows)."""
    version = interp.version_tuple
    if face in EXPORT:
        return "PEP 793" if version < (3, 15) or interp.implementation != "cpython" else None
    if face == "capi-used" and version < (3, 13):
        return "Py_mod_gil slot"
    if face == "capi-single-optin" and (version < (3, 13) or interp.implementation != "cpython"):
        return "PyUnstable_Module_SetGIL"
    return None


def test_late_import_serialises_from_the_import_on(measured):
    """On the free-threaded build: threads already ran GIL-held C code in parallel when
    each undeclared module was imported, and none overlapped after it."""
    _out, data, interps = measured
    ft = [i for i in interps.values() if i.free_threaded]
    if not ft:
        pytest.skip("no free-threaded interpreter under test")
    for interp in ft:
        for face in ("cffi",) + UNDECLARED:
            (cell,) = [c for c in _cells(data, interp.id, face) if c["case"] == "late_import"]
            busy = cell["exclusion"]["busy"]
            assert busy["overlaps_before"] > 0 and busy["calls_after"] > 0, cell
            assert busy["overlaps_after"] == 0 and cell["gil_enabled"] is True, cell
            assert cell["verdict"] == "ok" and cell["opt_in_proof"].startswith(
                "imported while 2 threads ran GIL-held C code in parallel"), cell


def test_report_has_a_routes_table_per_interpreter(measured, tmp_path):
    out, _data, interps = measured
    paths = report(tmp_path, out)
    data = json.loads(paths["json"].read_text())
    for entry in data["interpreters"]:
        routes = entry["opt_in_routes"]
        assert set(routes) == {"capi", "capi-optin"} | set(INIT_FACES)
        assert routes["capi"] == routes["capi-single"] == "honored"
        assert routes["capi-export"] == "skipped"
        if interps[entry["id"]].version_tuple >= (3, 13):
            assert routes["capi-used"] == routes["capi-single-optin"] == "honored"
    md = paths["md"].read_text()
    assert "| capi-single | single-phase | nothing | honored |" in md
    assert "Init routes on" in paths["html"].read_text()


@pytest.fixture(scope="module")
def ignoring(request, tmp_path_factory):
    """The free-threaded build behind a wrapper that forces the GIL off for every module:
    an interpreter that ignores Py_mod_gil on every route."""
    ft = free_threaded(request.config)
    folder = tmp_path_factory.mktemp("ignoring")
    wrapper = folder / "python-ignoring-py-mod-gil"
    wrapper.write_text(f'#!/bin/sh\nPYTHON_GIL=0 exec "{ft.python}" "$@"\n')
    wrapper.chmod(0o755)
    out = folder / "results.json"
    run_conformance(out, [str(wrapper)])
    honest = folder / "honest.json"
    run_conformance(honest, [ft.executable])
    return honest, out


def test_an_interpreter_ignoring_py_mod_gil_violates_every_undeclared_route(ignoring,
                                                                            tmp_path):
    honest, out = ignoring
    data = json.loads(report(tmp_path, out)["json"].read_text())
    (entry,) = data["interpreters"]
    routes = entry["opt_in_routes"]
    assert all(routes[face] == "violated" for face in UNDECLARED), routes
    assert all(routes[face] == "honored" for face in DECLARED), routes
    assert all(routes[face] == "skipped" for face in EXPORT), routes
    late = [c for c in data["cells"] if c["case"] == "late_import" and c["face"] in UNDECLARED]
    assert late and all(c["verdict"] == "violation" and c["exclusion"]["busy"]["overlaps_after"]
                        for c in late)
    # The same build's id, honest then ignoring: the diff flags each route first.
    proc = gilcompat("report", "--diff", str(honest), str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    first = proc.stdout.splitlines()[0]
    assert first.startswith("regression") and "route capi" in first and \
        "honored -> violated" in first


def test_a_run_without_case_or_face_adds_the_conformance_set(host):
    cases, _ = load_cases([corpus_root()])
    cells = run_plan(cases, [host], modes=["default"])
    init = {(c.case.name, c.face) for c in cells if c.face in INIT_FACES}
    assert init == {(name, face) for name in CONFORMANCE_CASES for face in INIT_FACES}
    assert {c.face for c in cells} == set(DEFAULT_FACES) | set(INIT_FACES)
    narrowed = run_plan(cases, [host], faces=["capi-single"], modes=["default"])
    assert {c.face for c in narrowed} == {"capi-single"} and len(narrowed) == len(cases)
    named = run_plan(cases[:1], [host], modes=["default"], conformance=False)
    assert {c.face for c in named} == set(DEFAULT_FACES)


@pytest.mark.parametrize("which", ["host", "free-threaded"])
def test_the_shared_object_exports_exactly_the_routes_the_interpreter_has(which, request,
                                                                           host):
    """Read from the compiled shared object itself: each face's init function or export
    hook is there where the face runs, and compiled out where it is skipped."""
    interp = host if which == "host" else free_threaded(request.config)
    (case,), _ = load_cases([corpus_root() / "global_counter"])
    build = ensure_built(case, interp)
    assert build.ok, build.error
    # nm, not dlopen: the object's undefined symbols belong to its own interpreter.
    listing = subprocess.run(["nm", "-D", "--defined-only", str(build.shared_object)],
                             capture_output=True, text=True, check=True).stdout
    exported = {line.split()[-1] for line in listing.splitlines() if line.strip()}
    names = module_names(build.module)
    for face in UNDECLARED + DECLARED + EXPORT:
        hook = ("PyModExport_" if face in EXPORT else "PyInit_") + names[face]
        assert (hook in exported) is (_absent(interp, face) is None), (face, hook)
