"""ThreadSanitizer as a second witness, on a real TSan build of free-threaded CPython
(``GILCOMPAT_TEST_TSAN=/path/to/python3.13t``; ``./tasks test`` provisions one).

A handful of cases, every mode: with the GIL off a gil-reliant case has a race report
pointing into its own C source; with the GIL forced on it has none; an opted-in case has
none in any mode, and neither has the harness (no report at all in those cells)."""

import os

import pytest

from gilcompat.build.cached_build import ensure_built
from gilcompat.corpus.cases import corpus_root, load_case
from gilcompat.pythons.interpreter import probe
from gilcompat.pythons.venvs import prepared
from gilcompat.run.cell_run import run_cell

RELIANT = ["global_counter", "static_buffer"]
OPTED_IN = ["atomic_counter", "pymutex_counter"]


@pytest.fixture(scope="module")
def tsan_python():
    exe = os.environ.get("GILCOMPAT_TEST_TSAN")
    if not exe:
        if os.environ.get("CI"):
            pytest.fail("CI must set GILCOMPAT_TEST_TSAN (./tasks test provisions it)")
        pytest.skip("no TSan build given (GILCOMPAT_TEST_TSAN)")
    interp = prepared(probe(exe))
    assert interp.tsan and interp.free_threaded
    return interp


def run(interp, name, face, mode):
    case = load_case(corpus_root() / name)
    return case, run_cell(case, ensure_built(case, interp), interp, face, mode)


@pytest.mark.parametrize("name", RELIANT)
@pytest.mark.parametrize("face", ["cffi", "capi"])
def test_gil_reliant_race_is_in_the_case_source_with_the_gil_off(tsan_python, name, face):
    case, cell = run(tsan_python, name, face, "gil0")
    assert cell.gil_enabled is False and cell.verdict == "ok"
    assert cell.tsan["in_case"] >= 1, cell.tsan
    frames = [f for r in cell.tsan["reports"] if r["where"] == "case" for f in r["top_frames"]]
    assert any(str(case.folder) in f for f in frames), frames


@pytest.mark.parametrize("name", RELIANT)
def test_gil_reliant_has_no_race_report_with_the_gil_on(tsan_python, name):
    _, cell = run(tsan_python, name, "capi", "gil1")
    assert cell.gil_enabled is True
    assert cell.tsan["in_case"] == 0 and cell.verdict == "ok", cell.tsan


@pytest.mark.parametrize("name", OPTED_IN)
@pytest.mark.parametrize("mode", ["default", "gil0", "gil1"])
def test_opted_in_and_the_harness_produce_no_report(tsan_python, name, mode):
    _, cell = run(tsan_python, name, "capi-optin", mode)
    assert cell.verdict == "ok" and cell.outcome == "holds"
    assert cell.tsan["races"] == 0, cell.tsan      # not in the case, nor anywhere else


def test_races_with_finalization_are_reports_not_a_crash(tsan_python):
    """gilstate_at_finalize's C threads race the child's finalization: TSan's exit code
    (it had reports) in the finalize phase is not a crash, its reports are the
    witness, and 3.13's known bug is what they show (the case's expectation)."""
    case, cell = run(tsan_python, "gilstate_at_finalize", "capi", "gil0")
    assert cell.outcome in ("holds", "broken") and cell.tsan["races"] >= 1, cell.evidence
    assert cell.verdict == "ok", cell.evidence
    if cell.outcome == "broken":
        assert cell.witness == "tsan" and cell.tsan["in_case"] >= 1
