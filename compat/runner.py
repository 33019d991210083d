"""Run one cell in its own child process and turn what happened into a Cell.

The child gets the mode's environment (``PYTHON_GIL`` unset, 0 or 1), its own session
(so the whole process group can be killed), and files for stdout, stderr and events.
A crash is read from the exit signal plus faulthandler's output; a hang is caught by
the watchdog, the child is asked for every thread's stack (SIGUSR1) and then killed.
"""

import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

from compat.builds import Build
from compat.cases import Case
from compat.child_launch import child_argv
from compat.interpreters import Interpreter
from compat.results import Cell
from compat import tsan
from compat.verdicts import expected_for, opt_in_rule_applies, verdict
from compat.watchdog import HangWatch

POLL_S = 0.02
STACK_WAIT_S = 1.0
MODE_ENV = {"default": None, "gil0": "0", "gil1": "1"}
EVIDENCE_LINES = 40
STOP = threading.Event()      # set when the run is interrupted: children are killed


class Interrupted(Exception):
    pass


@dataclass
class ChildRun:
    returncode: Optional[int]
    hang: Optional[str]
    events: List[dict]
    stderr: str
    duration_s: float
    witness: Optional[tsan.Witness] = None    # ThreadSanitizer's reports (TSan builds)

    def last(self, name: str) -> Optional[dict]:
        found = [e for e in self.events if e.get("event") == name]
        return found[-1] if found else None


def skip_reason(case: Case, interp: Interpreter, face: str, mode: str) -> Optional[str]:
    if mode not in interp.modes:
        return f"mode {mode} needs a free-threaded build"
    if interp.version_tuple < case.min_python:
        return "needs Python %d.%d or newer" % case.min_python
    if face == "cffi" and interp.implementation == "pypy" and \
            any(f.takes_objects for f in case.functions):
        return "the cffi face passes objects as id(obj), which only CPython allows"
    return None


def mode_env(mode: str, extra=()) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}
    env.update(extra)
    if MODE_ENV[mode] is not None:
        env["PYTHON_GIL"] = MODE_ENV[mode]
    return env


def spawn_and_watch(argv: List[str], env: dict, workdir: Path, timeout_s: float,
                    idle_s: float) -> ChildRun:
    """Run ``argv`` to its end, or to a hang, and never leave a process behind."""
    events_path = workdir / "events.jsonl"
    events_path.touch()
    start = time.monotonic()
    with open(workdir / "stdout", "wb") as out, open(workdir / "stderr", "wb") as err:
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env=env, cwd=workdir, start_new_session=True)
        hang = None
        try:
            watch = HangWatch(proc.pid, timeout_s, idle_s)
            while proc.poll() is None:
                if STOP.is_set():
                    raise Interrupted(f"run interrupted; child {proc.pid} killed")
                hang = watch.poll()
                if hang:
                    _dump_stacks_then_kill(proc, workdir / "stderr")
                    break
                try:
                    proc.wait(timeout=POLL_S)   # returns as soon as the child exits
                except subprocess.TimeoutExpired:
                    pass
        finally:
            _kill_group(proc)
    duration = time.monotonic() - start
    return ChildRun(proc.returncode, hang, _read_events(events_path),
                    (workdir / "stderr").read_text(errors="replace"), duration)


def _dump_stacks_then_kill(proc: subprocess.Popen, stderr_path: Path) -> None:
    try:
        os.killpg(proc.pid, signal.SIGUSR1)
    except OSError:
        pass
    deadline = time.monotonic() + STACK_WAIT_S
    size = -1
    while time.monotonic() < deadline:   # wait until faulthandler stops writing
        time.sleep(0.1)
        now = stderr_path.stat().st_size
        if now == size and now > 0:
            break
        size = now
    _kill_group(proc)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    proc.wait()


def _read_events(path: Path) -> List[dict]:
    events = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            pass    # a line cut short by a crash
    return events


def classify(run: ChildRun) -> tuple:
    """(outcome, evidence, signal name) from what the child did."""
    if run.hang and "Fatal Python error" in run.stderr:
        # It crashed; dying then hung (seen under ThreadSanitizer, whose abort path
        # can deadlock). A fatal error is a crash however the process ends.
        return "crashed", (f"Fatal Python error, then {run.hang} (the process did not "
                           f"die by itself)\n{_trim(run.stderr)}").strip(), None
    if run.hang:
        return "hung", f"{run.hang}\n{_trim(run.stderr)}".strip(), None
    if run.returncode is not None and run.returncode < 0:
        name = signal.Signals(-run.returncode).name
        return "crashed", f"killed by {name}\n{_trim(run.stderr)}".strip(), name
    done = run.last("done")
    if done:
        return done["outcome"], done["evidence"], None
    return "error", (f"child exited {run.returncode} without a result\n"
                     f"{_trim(run.stderr)}").strip(), None


def _trim(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) <= EVIDENCE_LINES:
        return "\n".join(lines)
    return "\n".join(lines[:EVIDENCE_LINES] + [f"... ({len(lines) - EVIDENCE_LINES} more lines)"])


def run_cell(case: Case, build: Optional[Build], interp: Interpreter, face: str,
             mode: str) -> Cell:
    cell = Cell(interp.id, case.name, case.category, face, mode)
    reason = skip_reason(case, interp, face, mode)
    if reason:
        cell.outcome = cell.verdict = "skipped"
        cell.evidence = reason
        return cell
    if build is None or not build.ok:
        message = build.error if build else "not built"
        first = next((l.strip() for l in message.splitlines() if "error" in l), "")
        cell.evidence = f"build failed: {first}\n{message}"
        return cell
    with tempfile.TemporaryDirectory(prefix=f"gilcompat-{case.name}-") as tmp:
        workdir = Path(tmp)
        request = _request(case, build, face, workdir)
        argv = child_argv(interp.python, "compat.child_cell", [str(request)])
        env = mode_env(mode, case.env)
        if interp.tsan:
            env["TSAN_OPTIONS"] = tsan.options(workdir)
        run = spawn_and_watch(argv, env, workdir, case.stress.timeout_s, case.stress.idle_s)
        if interp.tsan:
            run.witness = tsan.read_logs(workdir, case.folder)
    return judge(cell, case, interp, run)


def _request(case: Case, build: Build, face: str, workdir: Path) -> Path:
    request = {
        "case": case.name, "face": face, "module": build.module,
        "shared_object": str(build.shared_object),
        "functions": [{"name": f.name, "objects": [p.ctype.is_object for p in f.params],
                       "returns_string": f.result.is_string} for f in case.functions],
        "scenario": str(case.scenario_path), "events": str(workdir / "events.jsonl"),
        "stress": {"threads": case.stress.threads, "iterations": case.stress.iterations,
                   "rounds": case.stress.rounds, "spin": case.stress.spin},
    }
    path = workdir / "request.json"
    path.write_text(json.dumps(request))
    return path


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


def judge(cell: Cell, case: Case, interp: Interpreter, run: ChildRun) -> Cell:
    """Fill the cell's outcome, measured GIL state, expectation and verdict."""
    cell.outcome, cell.evidence, cell.signal = classify(run)
    cell.duration_s = round(run.duration_s, 3)
    _add_witness(cell, run.witness)
    imported, done = run.last("imported"), run.last("done")
    rounds = [e for e in run.events if e.get("event") == "round"]
    cell.rounds = done["rounds"] if done else len(rounds) + (1 if imported else 0)
    if imported:
        cell.gil_enabled = imported["gil_enabled"]
        cell.gil_enabled_by = imported["gil_enabled_by"]
    if done:
        cell.gil_enabled_after = done["gil_enabled_after"]
    if cell.gil_enabled is None:
        cell.verdict = verdict(None, cell.outcome)
        return cell
    rule = opt_in_rule_applies(interp.free_threaded, cell.face, cell.mode)
    # Under the opt-in rule the GIL must be on, so that is what the case is held to.
    expected = expected_for(case, cell.face, cell.mode, True if rule else cell.gil_enabled,
                            interp.implementation)
    cell.expected, cell.expected_why = expected.outcome, expected.why
    cell.verdict = verdict(expected.outcome, cell.outcome)
    if rule:
        cell.opt_in_rule = "honored" if cell.gil_enabled else "violated"
        if not cell.gil_enabled:
            cell.verdict = "violation"
            cell.evidence = ("opt-in rule violated: the interpreter ran a module without "
                             "Py_mod_gil with the GIL off in default mode\n" + cell.evidence)
    return cell
