"""Crash, hang, timeout and build-error classification, with real children that really
crash, really deadlock, really spin and really fail to compile."""

import os
import re

import pytest

from compat.builds import ensure_built
from compat.runner import ChildRun, judge, run_cell
from compat.results import Cell


def run_fixture(fixture_cases, host, name, face="cffi"):
    case = fixture_cases[name]
    return run_cell(case, ensure_built(case, host), host, face, "default")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("face", ["cffi", "capi"])
def test_segfault_is_crashed_with_signal_and_traceback(fixture_cases, host, face):
    cell = run_fixture(fixture_cases, host, "crash_on_call", face)
    assert cell.outcome == "crashed" and cell.signal == "SIGSEGV"
    assert cell.evidence.startswith("killed by SIGSEGV")
    assert "Fatal Python error" in cell.evidence and "work" in cell.evidence
    assert cell.gil_enabled is True            # measured before the crash
    assert cell.verdict == "unexpected-crash"  # its category expects it to hold


def test_deadlock_is_hung_with_every_thread_stack(fixture_cases, host):
    cell = run_fixture(fixture_cases, host, "deadlock_on_call")
    assert cell.outcome == "hung" and cell.verdict == "unexpected-hang"
    assert cell.evidence.startswith("deadlock: threads asleep")
    # faulthandler's dump: both workers inside work(), plus the main thread joining.
    assert len(re.findall(r"^(Current thread|Thread) 0x", cell.evidence, re.M)) >= 3
    assert cell.evidence.count("in work") >= 2


def test_busy_child_is_hung_by_timeout_and_killed(fixture_cases, host, tmp_path):
    case = fixture_cases["spin_forever"]
    cell = run_cell(case, ensure_built(case, host), host, "cffi", "default")
    assert cell.outcome == "hung"
    assert "timeout" in cell.evidence.splitlines()[0]
    assert "sf_spin" in cell.evidence or "in work" in cell.evidence


def test_hung_child_leaves_no_process_behind(fixture_cases, host, tmp_path):
    from compat import runner
    case = fixture_cases["deadlock_on_call"]
    build = ensure_built(case, host)
    pids = []
    original = runner.subprocess.Popen

    class Recording(original):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            pids.append(self.pid)

    runner.subprocess.Popen = Recording
    try:
        cell = run_cell(case, build, host, "cffi", "default")
    finally:
        runner.subprocess.Popen = original
    assert cell.outcome == "hung" and pids
    assert not any(_alive(pid) for pid in pids)


def test_compile_error_is_an_error_cell_with_the_compiler_message(fixture_cases, host):
    cell = run_fixture(fixture_cases, host, "compile_error")
    assert cell.outcome == "error" and cell.verdict == "error"
    assert "this_identifier_is_not_declared" in cell.evidence
    assert "error" in cell.evidence


def test_opt_in_rule_violation_is_a_violation_whatever_the_outcome(fixture_cases, host):
    """The judge given a run that measured the GIL off for the plain capi face in
    default mode on a free-threaded build (an interpreter breaking the rule)."""
    from dataclasses import replace
    ft = replace(host, free_threaded=True)
    case = fixture_cases["crash_on_call"]
    run = ChildRun(0, None, [{"event": "imported", "gil_enabled": False, "gil_enabled_by": None},
                             {"event": "done", "outcome": "holds", "evidence": "", "rounds": 1,
                              "gil_enabled_after": False}], "", 0.1)
    cell = judge(Cell(ft.id, case.name, case.category, "capi", "default"), case, ft, run)
    assert cell.opt_in_rule == "violated" and cell.verdict == "violation"
    assert cell.evidence.startswith("opt-in rule violated")
