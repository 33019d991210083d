"""Run one cell: decide whether it applies, write the child's request, start it, judge.

The child starts isolated from the user's site: ``-s -S`` with every ``PYTHON*``
variable dropped (as ``-I`` would, but ``-I`` would also drop the case's own
``PYTHONMALLOC`` and the mode's ``PYTHON_GIL``), and only the runner's site-packages
put on ``sys.path`` by hand, so no ``.pth`` file, ``sitecustomize`` or ``PYTHONPATH``
entry can import anything (and turn the GIL on) before the face does.
"""

import json
import os
import tempfile
from pathlib import Path
from typing import Optional

from gilcompat.build.cached_build import Build
from gilcompat.build.names import SPIN_SETTER, module_names, own_gil_names, probe_names
from gilcompat.child import CELL_MAIN, ZYGOTE_MAIN
from gilcompat.corpus import power
from gilcompat.corpus.cases import Case
from gilcompat.corpus.faces import BY_NAME, FACES, absent_reason
from gilcompat.pythons.interpreter import Interpreter
from gilcompat.pythons.launch import child_argv
from gilcompat.results import Cell
from gilcompat.run import tsan, zygote
from gilcompat.run.judge import judge
from gilcompat.run.process import spawn_and_watch

REQUEST_FILE = "request.json"     # in the cell's folder: what the child reads first
MODE_ENV = {"default": None, "gil0": "0", "gil1": "1", "subinterp": None}


def _mode_missing(interp: Interpreter, mode: str) -> str:
    if mode == "subinterp":
        return (f"mode subinterp needs interpreters with their own GIL (PEP 684: CPython "
                f"3.12 or newer, _xxsubinterpreters or _interpreters); "
                f"{interp.implementation} {interp.version} has none")
    return f"mode {mode} needs a free-threaded build"


NOT_SUBINTERP = ("its threads share Python objects (or wait for each other in Python), "
                 "which cannot cross interpreters: not a subinterp case")


def skip_reason(case: Case, interp: Interpreter, face: str, mode: str) -> Optional[str]:
    if mode not in interp.modes:
        return _mode_missing(interp, mode)
    if mode == "subinterp" and not case.subinterp:
        return NOT_SUBINTERP
    if case.module_state and not BY_NAME[face].has_module_state:
        return (f"keeps its state per module, and the {face} face's module has no "
                "per-module state")
    if interp.version_tuple < case.min_python:
        return "needs Python %d.%d or newer" % case.min_python
    absent = absent_reason(face, interp.implementation, interp.version_tuple)
    if absent:
        return absent
    if face == "cffi" and interp.implementation == "pypy" and \
            any(f.takes_objects for f in case.functions):
        return "the cffi face passes objects as id(obj), which only CPython allows"
    return None


def mode_env(mode: str, extra=()) -> dict:
    """The child's environment: no ``PYTHON*`` variable of the user's, then the case's
    own and the mode's ``PYTHON_GIL``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(extra)
    if MODE_ENV[mode] is not None:
        env["PYTHON_GIL"] = MODE_ENV[mode]
    return env


def stress_work(case: Case, interp: Interpreter, mode: str = "gil0") -> tuple:
    """(rounds, each thread's iterations a round, the Power that set the rounds or
    None): the measured budget where the case (or the cases it fixes) has one, at the
    most work per round any of them was measured with; else case.toml's. The
    subinterp mode runs case.toml's iterations: a level was measured with every thread
    in one interpreter, and threads that each start an interpreter of their own
    overlap less in a short round (unlocked_counter at a sixteenth of its iterations
    went undetected there)."""
    found = power.powers_for((case.name, *case.fixes), interp.implementation,
                             power.family_of(interp.implementation, interp.version_tuple,
                                             interp.free_threaded, interp.tsan))
    if not found:
        return case.stress.rounds, case.stress.iterations, None
    deciding = max(found, key=lambda p: p.budget)
    if mode == "subinterp":
        return deciding.budget, case.stress.iterations, deciding
    return (deciding.budget, max(p.work(case.stress.iterations) for p in found), deciding)


def _power_record(found: power.Power, rounds: int, iterations: int) -> dict:
    return {"case": found.case, "family": found.family, "rounds": found.rounds,
            "broken": found.broken, "rate_low": round(found.rate_low, 4),
            "budget": found.budget, "weak": found.weak, "miss": found.miss(rounds),
            "iterations": iterations}


def run_cell(case: Case, build: Optional[Build], interp: Interpreter, face: str,
             mode: str, rounds: Optional[int] = None, every_round: bool = False,
             iterations: Optional[int] = None) -> Cell:
    """One cell. ``rounds``, ``iterations`` (each thread's, a round) and
    ``every_round`` (go on after the first evidence) are for measuring power; a normal
    cell runs its measured budget."""
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
    budget, work, found = stress_work(case, interp, mode)
    if rounds is None:
        rounds, iterations = budget, work
        cell.power = _power_record(found, rounds, iterations) if found else None
    iterations = iterations or case.stress.iterations
    with tempfile.TemporaryDirectory(prefix=f"gilcompat-{case.name}-") as tmp:
        workdir = Path(tmp)
        request = _request(case, build, face, mode, interp, workdir, rounds, iterations,
                           every_round)
        argv = child_argv(interp.python, CELL_MAIN, [str(workdir / REQUEST_FILE)],
                          site_dirs=interp.site_packages)
        env = mode_env(mode, case.env)
        if interp.tsan:
            env["TSAN_OPTIONS"] = tsan.options(workdir)
        # case.toml's timeout is for its own rounds: more rounds get more time.
        timeout_s = case.stress.timeout_s * max(1.0, rounds / max(1, case.stress.rounds))
        try:
            run = _spawn(interp, argv, env, workdir, request, timeout_s,
                         case.stress.idle_s)
        except zygote.ServerGone as exc:
            cell.evidence = (f"the fork server ended during the cell ({exc}): its exit is "
                             f"unknown; {zygote.FRESH_START_ENV}=1 starts every child afresh")
            return cell
        if interp.tsan:
            run.witness = tsan.read_logs(workdir, case.folders)
    return judge(cell, case, interp, run)


def _spawn(interp: Interpreter, argv, env: dict, workdir: Path, request: dict,
           timeout_s: float, idle_s: float):
    """The cell's child, forked from a server for this interpreter and environment
    where one serves, else started afresh. A server's forks are copies of one
    unchanged process: its first cell's ``before`` measurement is handed to the rest."""
    if not zygote.wanted(interp.tsan):
        _write_request(request, workdir)
        return spawn_and_watch(argv, env, workdir, timeout_s, idle_s)
    server_argv = child_argv(interp.python, ZYGOTE_MAIN, [], site_dirs=interp.site_packages)
    server = zygote.POOL.lease(server_argv, env)
    try:
        if server is not None and server.before:
            request = {**request, "before": server.before}
        _write_request(request, workdir)
        run = spawn_and_watch(argv, env, workdir, timeout_s, idle_s, server)
        if server is not None:
            server.learn_before(run.last("before"))
        return run
    finally:
        if server is not None:
            zygote.POOL.give_back(server, server_argv, env)


def face_names(base: str) -> dict:
    """Per face: its module's name (and its twin's that declares per-interpreter GIL
    support, where the route can), the spin setter's and the probe's, for the child."""
    modules, twins = module_names(base), own_gil_names(base)
    return {face: {"module": modules[face], "own_gil_module": twins.get(face),
                   "spin_setter": SPIN_SETTER, "probe": probe_names(face)}
            for face in FACES}


def _request(case: Case, build: Build, face: str, mode: str, interp: Interpreter,
             workdir: Path, rounds: int, iterations: int, every_round: bool) -> dict:
    request = {
        "case": case.name, "face": face, "names": face_names(build.module),
        "mode": mode, "subinterpreters": interp.subinterpreters,
        "shared_object": str(build.shared_object),
        "functions": [{"name": f.name, "objects": [p.ctype.is_object for p in f.params],
                       "returns_string": f.result.is_string} for f in case.functions],
        "scenario": str(case.scenario_path), "events": str(workdir / "events.jsonl"),
        "import_while_busy": case.import_while_busy, "finalize": case.finalize,
        "stress": {"threads": case.stress.threads, "iterations": iterations,
                   "rounds": rounds, "every_round": every_round,
                   "spin": case.stress.spin},
    }
    return request


def _write_request(request: dict, workdir: Path) -> None:
    (workdir / REQUEST_FILE).write_text(json.dumps(request))
