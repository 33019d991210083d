"""Turn what a cell's child did into the cell's outcome, measured GIL state and verdict.

A crash or hang is the race showing only when it happened in the case's own phases
(``stress``; ``late-import`` for a case that imports while threads run); anywhere else
(start-up, import, probe, setup, check) it is an ``error`` whose evidence names the
phase, unless a round had already shown the break: then it stays ``broken``. The GIL
state is the exclusion probe's finding, never the interpreter's word; what the
interpreter reports is kept beside it, and a report of "on" while the probe saw C code
run in parallel is a ``violation``.
"""

import signal
from typing import Optional

from gilcompat.corpus.cases import Case
from gilcompat.pythons.interpreter import Interpreter
from gilcompat.results import Cell
from gilcompat.run import tsan
from gilcompat.run.expectations import (INCONCLUSIVE, OK, VIOLATION, Expected,
                                        cffi_declares_not_used, declaration_applies,
                                        expected_for, opt_in_rule_applies, verdict)
from gilcompat.run.process import ChildRun

EVIDENCE_LINES = 40
MODE_FORCES = {"gil0": False, "gil1": True}
# Where a crash or hang is the case's result: its stress, the import while threads run,
# the import an interpreter with its own GIL must refuse, the end of interpreters
# whose objects the case let cross into others, and the child's own finalization for
# a case that leaves its threads running into it.
CASE_PHASES = ("stress", "late-import", "refusal", "teardown", "finalize")


def classify(run: ChildRun) -> tuple:
    """(outcome, evidence, signal name) from what the child did."""
    outcome, evidence, name = _classify(run)
    shown = next((e for e in run.events if e.get("event") == "round" and e.get("evidence")),
                 None)
    if outcome == "error" and shown and run.phase not in CASE_PHASES:
        # The break was in before the child went down (lazy_init's double Py_CLEAR
        # on free-threaded 3.13 with the GIL off once left the after-probe spinning
        # for 30 s): what the race damaged took the child down after its rounds.
        return ("broken", f"round {shown['round']}: {shown['evidence']}\nthen, after "
                          f"that round: {evidence}", name)
    return outcome, evidence, name


def _classify(run: ChildRun) -> tuple:
    in_stress = run.phase in CASE_PHASES
    where = f"during {run.phase_text}"
    if run.hang and "Fatal Python error" in run.stderr:
        # It crashed; dying then hung (seen under ThreadSanitizer, whose abort path
        # can deadlock). A fatal error is a crash however the process ends.
        text = f"Fatal Python error {where}, then {run.hang} (the process did not die by itself)"
        return ("crashed" if in_stress else "error"), _with_stderr(text, run), None
    if run.hang:
        return ("hung" if in_stress else "error"), _with_stderr(f"{run.hang} {where}", run), None
    if run.returncode is not None and run.returncode < 0:
        name = signal.Signals(-run.returncode).name
        text = f"killed by {name} {where}"
        return ("crashed" if in_stress else "error"), _with_stderr(text, run), name
    done = run.last("done")
    if done and run.phase == "finalize" and run.returncode and not _tsan_had_reports(run):
        # The cell's result was in, then the interpreter's finalization failed.
        fatal = "Fatal Python error, " if "Fatal Python error" in run.stderr else ""
        return "crashed", _with_stderr(f"{fatal}exit {run.returncode} {where}", run), None
    if done:
        return done["outcome"], done["evidence"], None
    if "Fatal Python error" in run.stderr:
        # Aborted, but the exit was not a signal: ThreadSanitizer turns abort() into
        # exit code 66 when it has reports (seen: c_api_without_thread_state).
        text = f"Fatal Python error {where}, exit {run.returncode}"
        return ("crashed" if in_stress else "error"), _with_stderr(text, run), None
    return "error", _with_stderr(f"child exited {run.returncode} without a result {where}",
                                 run), None


def _tsan_had_reports(run: ChildRun) -> bool:
    """A TSan build exits with TSAN_EXIT_CODE when it reported races: that exit is its
    reports (the witness weighs them), not a crash, unless Python died fatally too."""
    return (run.witness is not None and bool(run.witness.races)
            and run.returncode == tsan.TSAN_EXIT_CODE
            and "Fatal Python error" not in run.stderr)


def _with_stderr(text: str, run: ChildRun) -> str:
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    if len(lines) > EVIDENCE_LINES:
        lines = lines[:EVIDENCE_LINES] + [f"... ({len(lines) - EVIDENCE_LINES} more lines)"]
    return "\n".join([text, *lines]).strip()


def _add_witness(cell: Cell, witness: Optional[tsan.Witness]) -> None:
    """TSan's reports in the case's own code are evidence of a break, even when the
    value check saw nothing."""
    if cell.outcome in ("holds", "broken", "crashed", "hung"):
        cell.witness = "stress" if cell.outcome != "holds" else None
    if witness is None:
        return
    cell.tsan = witness.to_json()
    if not witness.in_case:
        return
    if cell.outcome == "holds":
        cell.outcome, cell.witness = "broken", "tsan"
        cell.evidence = witness.evidence()
    elif cell.outcome in ("broken", "crashed"):
        cell.witness = "both"
        cell.evidence = f"{cell.evidence}\n{witness.evidence()}"


def _record_measurements(cell: Cell, run: ChildRun) -> None:
    before, imported, done = run.last("before"), run.last("imported"), run.last("done")
    rounds = [e for e in run.events if e.get("event") == "round"]
    died = run.phase == "stress" and not done     # a crash or hang ended that round
    cell.rounds = done["rounds"] if done else len(rounds) + died
    cell.rounds_broken = sum(1 for r in rounds if r.get("evidence")) + died
    if before:
        cell.exclusion_before = before["exclusion"]
        cell.gil_before = before["exclusion"]["gil"]
    if imported:
        cell.exclusion = imported["exclusion"]
        cell.gil_enabled = imported["exclusion"]["gil"]
        cell.gil_reported = imported["gil_reported"]
        cell.gil_enabled_by = imported["gil_enabled_by"]
    if done and done.get("exclusion_after"):
        cell.gil_enabled_after = done["exclusion_after"]["gil"]


REFUSAL_ONLY = Expected("holds", "an interpreter with its own GIL must refuse a module "
                                "that declares no per-interpreter GIL support, and this "
                                "route cannot declare it: the refusal is the whole test")


def _expected(case: Case, cell: Cell, interp: Interpreter, gil: Optional[bool],
              run: ChildRun):
    """The expectation for the GIL state ``gil``; with ``gil`` unknown, the one both
    states agree on, else None."""
    done = run.last("done")
    if done and done.get("refusal_only"):
        return REFUSAL_ONLY
    states = (True, False) if gil is None else (gil,)
    found = {expected_for(case, cell.face, cell.mode, g, interp.implementation, interp.version,
                          interp.free_threaded) for g in states}
    return found.pop() if len(found) == 1 else None


def _mode_without_effect(cell: Cell, interp: Interpreter) -> Optional[str]:
    """On a build that does not declare free threading, a forcing mode that did not
    force anything is not applicable there: say so."""
    forced = MODE_FORCES.get(cell.mode)
    if interp.free_threaded or forced is None or cell.gil_enabled is None:
        return None
    if cell.gil_enabled == forced:
        return None
    return (f"PYTHON_GIL={int(forced)} did not turn the GIL {'on' if forced else 'off'} "
            f"here (measured {'on' if cell.gil_enabled else 'off'}): this build has no "
            "such switch, or ignores it")


def judge(cell: Cell, case: Case, interp: Interpreter, run: ChildRun) -> Cell:
    """Fill the cell's outcome, measured GIL state, expectation and verdict."""
    cell.outcome, cell.evidence, cell.signal = classify(run)
    cell.duration_s = round(run.duration_s, 3)
    if cell.outcome in ("crashed", "hung", "error") or cell.signal or run.hang:
        cell.phase = run.phase or "start-up"
    entered = run.last("phase")
    if run.hang_at is not None and entered:
        cell.hang_called_s = round(run.hang_at - entered["t"], 3)
    _add_witness(cell, run.witness)
    _record_measurements(cell, run)
    if cell.outcome == "error":
        cell.verdict = verdict(None, "error")
        return cell
    no_effect = _mode_without_effect(cell, interp)
    if no_effect:
        cell.outcome = cell.verdict = "skipped"
        cell.evidence = no_effect
        return cell
    cffi_declares = cffi_declares_not_used(interp.implementation, interp.cffi_version)
    rule = opt_in_rule_applies(cell.face, cell.mode, cffi_declares)
    # Under the opt-in rule the GIL must be on, so that is what the case is held to.
    expected = _expected(case, cell, interp, True if rule else cell.gil_enabled, run)
    if expected is not None:
        cell.expected, cell.expected_why = expected.outcome, expected.why
        cell.verdict = verdict(expected.outcome, cell.outcome, expected.intermittent)
    # A refusal needs no overlap to prove it: nothing of the case ran.
    unproven_hold = (cell.verdict == OK and cell.outcome == "holds" and not _overlapped(cell)
                     and expected is not REFUSAL_ONLY)
    if expected is None or unproven_hold:
        cell.verdict = INCONCLUSIVE
        cell.evidence = _inconclusive_text(cell) + "\n" + cell.evidence
    if rule:
        _judge_opt_in_rule(cell)
    if declaration_applies(cell.face, cell.mode, cffi_declares):
        _judge_declaration(cell)
    _judge_late_import(cell)
    _judge_forced_on(cell, interp)
    if cell.mode == "subinterp":
        _judge_refusal(cell, run)
    else:   # each subinterpreter's GIL is on, and they run in parallel by design
        _judge_report_against_measure(cell)
    cell.evidence = cell.evidence.strip()
    return cell


def _overlapped(cell: Cell) -> bool:
    """Did the run show that its threads could run at once? Overlaps in the held
    region show it as well as the control's do."""
    found = cell.exclusion or {}
    return bool(found.get("overlaps") or found.get("control_overlaps"))


def _inconclusive_text(cell: Cell) -> str:
    control = (cell.exclusion or {}).get("control_overlaps")
    return (f"inconclusive: the probe's control saw {control or 0} overlaps, so this run "
            "never showed that its threads could run at once")


def _judge_opt_in_rule(cell: Cell) -> None:
    if cell.gil_enabled is None:
        cell.opt_in_rule = "inconclusive"
        if cell.verdict == OK:       # a crash or hang before the probe stays what it is
            cell.verdict = INCONCLUSIVE
        return
    if not cell.gil_enabled:
        cell.opt_in_rule = "violated"
        cell.verdict = VIOLATION
        cell.evidence = ("opt-in rule violated: a module that declares nothing ran with the "
                         f"GIL off in default mode ({_probe_text(cell.exclusion)})\n"
                         + cell.evidence)
        return
    cell.opt_in_rule = "honored"
    busy = (cell.exclusion or {}).get("busy")
    if busy and busy["overlaps_before"]:
        cell.opt_in_proof = (f"imported while {busy['threads']} threads ran GIL-held C code in "
                             f"parallel ({busy['overlaps_before']} overlaps in "
                             f"{busy['calls_before']} calls before the import); none in the "
                             f"{busy['calls_after']} calls after it, and the probe through "
                             f"the module saw none ({_probe_text(cell.exclusion)})")
    elif cell.gil_before is False:
        cell.opt_in_proof = (f"GIL measured off before the import "
                             f"({_probe_text(cell.exclusion_before)}, through the opted-in "
                             f"module) and on after it ({_probe_text(cell.exclusion)})")
    else:
        cell.opt_in_proof = ("this build never ran GIL-held C code in parallel in this "
                             f"process ({_probe_text(cell.exclusion)})")


def _judge_declaration(cell: Cell) -> None:
    """Where the GIL was measured off before the import, a module that declared
    ``Py_MOD_GIL_NOT_USED`` must leave it off."""
    if cell.gil_before is not False or cell.gil_enabled is None:
        return
    if not cell.gil_enabled:
        cell.declaration = "honored"
        return
    cell.declaration = "ignored"
    cell.verdict = VIOLATION
    cell.evidence = ("declaration ignored: the module declares Py_MOD_GIL_NOT_USED, yet the "
                     f"GIL was measured on after its import ({_probe_text(cell.exclusion)}) "
                     f"and off before it ({_probe_text(cell.exclusion_before)})\n"
                     + cell.evidence)


def _judge_late_import(cell: Cell) -> None:
    """A late import proves the GIL turned on mid-run only if the threads already busy
    were shown running in parallel first (where the build runs anything in parallel)."""
    busy = (cell.exclusion or {}).get("busy")
    if not busy or cell.gil_before is not False or busy["overlaps_before"]:
        return
    if cell.verdict == OK:
        cell.verdict = INCONCLUSIVE
    cell.evidence = (f"inconclusive: the {busy['threads']} busy threads never overlapped in "
                     f"{busy['calls_before']} calls before the import, so this run did not "
                     "show an import while C code ran in parallel\n" + cell.evidence)


def _judge_refusal(cell: Cell, run: ChildRun) -> None:
    """Per-interpreter GILs keep the promise by refusing: a module that does not declare
    Py_MOD_PER_INTERPRETER_GIL_SUPPORTED must not load where the GIL is the
    interpreter's own."""
    refusal = run.last("refusal")
    if not refusal:
        return
    cell.refusal = {k: refusal.get(k) for k in ("module", "refused", "error")}
    if refusal["refused"]:
        cell.subinterp_rule = "honored"
        return
    cell.subinterp_rule = "violated"
    cell.verdict = VIOLATION
    cell.evidence = (f"per-interpreter GIL rule violated: {refusal['module']}, which "
                     "declares no per-interpreter GIL support, loaded in an interpreter "
                     "with its own GIL\n" + cell.evidence)


def _judge_forced_on(cell: Cell, interp: Interpreter) -> None:
    if interp.free_threaded and cell.mode == "gil1" and cell.gil_enabled is False:
        cell.verdict = VIOLATION
        cell.evidence = ("PYTHON_GIL=1 did not serialise GIL-held C code "
                         f"({_probe_text(cell.exclusion)})\n" + cell.evidence)


def _judge_report_against_measure(cell: Cell) -> None:
    if cell.gil_reported is True and cell.gil_enabled is False:
        cell.verdict = VIOLATION
        cell.evidence = ("the interpreter reports the GIL on (sys._is_gil_enabled()), but "
                         f"GIL-held C code ran in parallel ({_probe_text(cell.exclusion)})\n"
                         + cell.evidence)


def _probe_text(exclusion: Optional[dict]) -> str:
    if not exclusion:
        return "not measured"
    text = (f"{exclusion['overlaps']} of {exclusion['entries']} entries overlapped; "
            f"control {exclusion['control_overlaps']} of {exclusion['control_entries']}")
    disputed = exclusion.get("disputed")
    if disputed:
        text += (f"; measured twice, the GIL reported off: the first probe saw "
                 f"{disputed['overlaps']} of {disputed['entries']} entries overlap")
    if exclusion.get("measured_in"):
        text += f"; measured in {exclusion['measured_in']}"
    busy = exclusion.get("busy")
    if busy:
        text += (f"; busy threads: {busy['overlaps_after']} overlaps in "
                 f"{busy['calls_after']} calls after the import")
    return text
