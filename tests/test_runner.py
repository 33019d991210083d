"""Crash, hang, timeout and build-error classification, with real children that really
crash, really deadlock, really spin and really fail to compile."""

import os
import re

import pytest

from gilcompat.build.cached_build import ensure_built
from gilcompat.run.cell_run import run_cell
from gilcompat.run.judge import judge
from gilcompat.run.process import ChildRun
from gilcompat.results import Cell


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
    assert cell.evidence.startswith("killed by SIGSEGV during stress (round 1)")
    assert "Fatal Python error" in cell.evidence and "work" in cell.evidence
    assert cell.gil_enabled is True            # measured by the probe before the crash
    assert cell.exclusion["control_overlaps"] > 0 and cell.exclusion["overlaps"] == 0
    assert cell.verdict == "unexpected-crash"  # its category expects it to hold


@pytest.mark.parametrize("phase", ["setup", "check"])
def test_crash_outside_the_stress_is_an_error_naming_its_phase(fixture_cases, host, phase,
                                                               monkeypatch):
    monkeypatch.setenv("GILCOMPAT_TEST_CRASH_PHASE", phase)
    cell = run_fixture(fixture_cases, host, "crash_on_call", "capi")
    assert cell.outcome == "error" and cell.verdict == "error"
    assert cell.phase == phase and cell.signal == "SIGSEGV"
    assert cell.evidence.startswith(f"killed by SIGSEGV during {phase} (round 1)")


def test_a_crash_after_a_round_showed_the_break_keeps_the_break(fixture_cases, host,
                                                                monkeypatch):
    """What the race damaged can take the child down after its rounds (lazy_init's
    double Py_CLEAR once left the after-probe spinning): the break was in already."""
    monkeypatch.setenv("GILCOMPAT_TEST_CRASH_PHASE", "after-break")
    case = fixture_cases["crash_on_call"]
    cell = run_cell(case, ensure_built(case, host), host, "capi", "default", rounds=2,
                    every_round=True)
    assert cell.outcome == "broken" and cell.signal == "SIGSEGV"
    assert cell.evidence.startswith("round 1: broken on purpose\nthen, after that round: "
                                    "killed by SIGSEGV during setup (round 2)"), cell.evidence
    assert cell.phase == "setup"


@pytest.mark.parametrize("how", ["segfault", "code"])
def test_a_finalize_case_is_judged_on_its_childs_exit(fixture_cases, host, how, monkeypatch):
    """A case with finalize = true: its result is in, then the child's finalization
    fails (a Py_AtExit callback): that is the case's crash, in phase finalize."""
    if how == "code":
        monkeypatch.setenv("GILCOMPAT_TEST_EXIT", "code")
    cell = run_fixture(fixture_cases, host, "crash_at_exit", "capi")
    assert cell.outcome == "crashed" and cell.phase == "finalize"
    assert cell.verdict == "unexpected-crash"
    first = cell.evidence.splitlines()[0]
    if how == "segfault":
        assert cell.signal == "SIGSEGV" and first.startswith("killed by SIGSEGV during finalize")
    else:
        assert cell.signal is None and first == "exit 3 during finalize"


def test_deadlock_is_hung_with_every_thread_stack(fixture_cases, host):
    cell = run_fixture(fixture_cases, host, "deadlock_on_call")
    assert cell.outcome == "hung" and cell.verdict == "unexpected-hang"
    assert cell.evidence.startswith("deadlock: threads asleep")
    assert "during stress (round 1)" in cell.evidence.splitlines()[0]
    # faulthandler's dump: both workers inside work(), plus the main thread joining.
    assert len(re.findall(r"^(Current thread|Thread) 0x", cell.evidence, re.M)) >= 3
    assert cell.evidence.count("in work") >= 2


def test_busy_child_is_hung_by_timeout_and_killed(fixture_cases, host, tmp_path):
    case = fixture_cases["spin_forever"]
    cell = run_cell(case, ensure_built(case, host), host, "cffi", "default")
    assert cell.outcome == "hung"
    assert "timeout" in cell.evidence.splitlines()[0]
    assert "sf_spin" in cell.evidence or "in work" in cell.evidence


@pytest.mark.parametrize("start", ["forked", "fresh"])
def test_hung_child_leaves_no_process_behind(fixture_cases, host, start, monkeypatch):
    """Forked from a fork server (the default) or started afresh: the hung child and
    what it started are killed; a server outlives its cells until the run closes it."""
    from gilcompat.run import zygote
    case = fixture_cases["deadlock_on_call"]
    build = ensure_built(case, host)
    if start == "fresh":
        monkeypatch.setenv(zygote.FRESH_START_ENV, "1")
    children = []
    for owner, name in ((zygote.subprocess.Popen, "__init__"), (zygote.Server, "fork")):
        original = getattr(owner, name)

        def recording(self, *args, _original=original, **kwargs):
            made = _original(self, *args, **kwargs)
            children.append((made or self).pid)
            return made
        monkeypatch.setattr(owner, name, recording)
    zygote.POOL.close()
    quick = fixture_cases["never_breaks"]      # an environment's first cell starts fresh
    run_cell(quick, ensure_built(quick, host), host, "cffi", "default")
    cell = run_cell(case, build, host, "cffi", "default")
    assert cell.outcome == "hung" and children
    servers = [s.proc.pid for s in zygote.POOL.every]
    assert bool(servers) == (start == "forked")
    assert not any(_alive(pid) for pid in children if pid not in servers)
    zygote.POOL.close()
    assert not any(_alive(pid) for pid in servers)


def test_compile_error_is_an_error_cell_with_the_compiler_message(fixture_cases, host):
    cell = run_fixture(fixture_cases, host, "compile_error")
    assert cell.outcome == "error" and cell.verdict == "error"
    assert "this_identifier_is_not_declared" in cell.evidence
    assert "error" in cell.evidence


def _probe(gil, overlaps, control):
    return {"gil": gil, "entries": 1000, "overlaps": overlaps, "control_entries": 1000,
            "control_overlaps": control}


def _judged(host, case, face, events, **interp):
    from dataclasses import replace
    interp = replace(host, **interp)
    run = ChildRun(0, None, events, "", 0.1)
    return judge(Cell(interp.id, case.name, case.category, face, "default"), case, interp, run)


def _events(before, after, reported, outcome="holds"):
    return [{"event": "before", "exclusion": before},
            {"event": "imported", "exclusion": after, "gil_reported": reported,
             "gil_enabled_by": None},
            {"event": "done", "outcome": outcome, "evidence": "", "rounds": 1,
             "exclusion_after": after, "gil_reported_after": reported}]


def test_judge_opt_in_rule_violated_when_the_probe_saw_overlaps(fixture_cases, host):
    """The judge's rules on recorded events: an undeclared module measured running in
    parallel in default mode is a violation whatever the case did."""
    case = fixture_cases["crash_on_call"]
    cell = _judged(host, case, "capi", _events(_probe(False, 50, 60), _probe(False, 40, 60),
                                               None), free_threaded=False)
    assert cell.opt_in_rule == "violated" and cell.verdict == "violation"
    assert cell.evidence.startswith("opt-in rule violated")


def test_judge_honored_carries_the_before_and_after_proof(fixture_cases, host):
    case = fixture_cases["crash_on_call"]
    cell = _judged(host, case, "capi", _events(_probe(False, 50, 60), _probe(True, 0, 60),
                                               True), free_threaded=True)
    assert cell.opt_in_rule == "honored" and cell.verdict == "ok"
    assert cell.opt_in_proof.startswith("GIL measured off before the import")


def test_judge_reported_on_measured_off_is_a_violation(fixture_cases, host):
    case = fixture_cases["crash_on_call"]
    cell = _judged(host, case, "capi-optin",
                   _events(_probe(False, 50, 60), _probe(False, 40, 60), True),
                   free_threaded=True)
    assert cell.verdict == "violation"
    assert "reports the GIL on" in cell.evidence


def test_judge_holds_without_overlap_is_inconclusive(fixture_cases, host):
    case = fixture_cases["crash_on_call"]
    cell = _judged(host, case, "capi-optin",
                   _events(_probe(None, 0, 0), _probe(None, 0, 0), None))
    assert cell.gil_enabled is None and cell.verdict == "inconclusive"
    assert cell.evidence.startswith("inconclusive")


def test_judge_a_declared_module_that_turned_the_gil_on_is_a_violation(fixture_cases, host):
    """Off before the import, on after a module that declared Py_MOD_GIL_NOT_USED: the
    interpreter ignored the declaration on that route."""
    case = fixture_cases["crash_on_call"]
    cell = _judged(host, case, "capi-single-optin",
                   _events(_probe(False, 50, 60), _probe(True, 0, 60), True),
                   free_threaded=True)
    assert cell.declaration == "ignored" and cell.verdict == "violation"
    assert cell.evidence.startswith("declaration ignored")


def test_judge_late_import_without_parallel_busy_threads_is_inconclusive(fixture_cases, host):
    case = fixture_cases["crash_on_call"]
    after = dict(_probe(True, 0, 60), busy={"threads": 2, "calls_before": 50,
                                            "overlaps_before": 0, "calls_after": 9,
                                            "overlaps_after": 0, "all_running": True})
    cell = _judged(host, case, "capi", _events(_probe(False, 50, 60), after, True),
                   free_threaded=True)
    assert cell.opt_in_rule == "honored" and cell.verdict == "inconclusive"
    assert "busy threads never overlapped" in cell.evidence


def test_judge_a_crash_during_a_late_import_is_the_case_crashing(fixture_cases, host):
    """The import while threads run is the case's own test: a crash there is a result."""
    case = fixture_cases["crash_on_call"]
    run = ChildRun(-11, None, [{"event": "phase", "phase": "late-import", "round": None}],
                   "", 0.1)
    cell = judge(Cell(host.id, case.name, case.category, "capi", "default"), case, host, run)
    assert cell.outcome == "crashed" and cell.phase == "late-import"
    assert cell.verdict == "unexpected-crash"
