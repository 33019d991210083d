"""Plan the cells of a run (interpreter x case x face x mode) and run them.

Each interpreter is prepared once, each case built once per interpreter (by a thread
that builds ahead of the cells, in their order, or by the first cell that needs it
sooner), and the results file is rewritten as cells finish (at most once a second,
and at the end or a stop), so an interrupted run keeps what it finished.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from gilcompat.run import cell_run as runner, zygote
from gilcompat.run.process import STOP
from gilcompat.build.cached_build import Build, ensure_built, is_built
from gilcompat.corpus.cases import MODES, Case
from gilcompat.corpus.faces import CONFORMANCE_CASES, DEFAULT_FACES, INIT_FACES
from gilcompat.pythons.interpreter import Interpreter
from gilcompat.run.progress import Progress
from gilcompat.results import Cell, Results


def undeclared_parallel(interps: Sequence[Interpreter], results: Results) -> List[Interpreter]:
    """The interpreters that ran GIL-held C code in parallel without declaring free
    threading, now marked to try the forcing modes too."""
    return [replace(i, try_modes=True) for i in interps
            if not i.free_threaded and not i.try_modes and results.parallel(i.id)]


@dataclass(frozen=True)
class PlannedCell:
    case: Case
    interp: Interpreter
    face: str
    mode: str


def plan(cases: Sequence[Case], interps: Sequence[Interpreter],
         faces: Sequence[str] = DEFAULT_FACES, modes: Sequence[str] = MODES
         ) -> List[PlannedCell]:
    """Every cell, modes limited to those the interpreter supports; ``subinterp`` for
    the cases that can run in it, on every interpreter, so that where it cannot run
    the cell says why."""
    return [PlannedCell(case, interp, face, mode)
            for interp in interps for case in cases for face in faces for mode in modes
            if (case.subinterp if mode == "subinterp" else mode in interp.modes)]


def run_plan(cases: Sequence[Case], interps: Sequence[Interpreter],
             faces: Optional[Sequence[str]] = None, modes: Sequence[str] = MODES,
             conformance: bool = True) -> List[PlannedCell]:
    """What ``gilcompat run`` runs: the ``faces`` asked for; else the default faces for
    every case plus, with ``conformance``, the init-path faces for the opt-in
    conformance set (the cases of CONFORMANCE_CASES among ``cases``)."""
    if faces:
        return plan(cases, interps, faces, modes)
    cells = plan(cases, interps, DEFAULT_FACES, modes)
    if conformance:
        chosen = [c for c in cases if c.name in CONFORMANCE_CASES]
        cells += plan(chosen, interps, INIT_FACES, modes)
    return cells


WRITE_EVERY_S = 1.0     # the results file's rewrites (an interrupted run keeps the rest)


class BuildCache:
    """One build per (case, interpreter) in this run, however many cells ask at once."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.builds: Dict[Tuple[str, str], Build] = {}
        self.locks: Dict[Tuple[str, str], threading.Lock] = {}
        self.guard = threading.Lock()
        self.started = 0        # compiles begun in this run, and those running now: a
        self.running = 0        # cell that ran beside one ran on a loaded machine

    def load_mark(self) -> Tuple[int, int]:
        with self.guard:
            return self.started, self.running

    def compiled_since(self, mark: Tuple[int, int]) -> bool:
        """Whether a compile ran at any moment since ``mark``."""
        started, running = self.load_mark()
        return bool(mark[1] or running or started != mark[0])

    def cached(self, case: Case, interp: Interpreter) -> bool:
        """Whether the build is at hand without compiling (this run's, or the cache's)."""
        return (case.name, interp.id) in self.builds or is_built(case, interp)

    def get(self, case: Case, interp: Interpreter) -> Build:
        key = (case.name, interp.id)
        with self.guard:
            lock = self.locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self.builds:
                build = self._build(case, interp)
                if not build.ok:
                    self.progress.note(f"build failed: {case.name} on {interp.id} "
                                       f"(its cells are errors; see their evidence)")
                self.builds[key] = build
            return self.builds[key]

    def _build(self, case: Case, interp: Interpreter) -> Build:
        if is_built(case, interp):
            return ensure_built(case, interp)
        with self.guard:
            self.started, self.running = self.started + 1, self.running + 1
        try:
            return ensure_built(case, interp)
        finally:
            with self.guard:
                self.running -= 1


def prebuild(cells: List[PlannedCell], builds: BuildCache, progress: Progress) -> threading.Thread:
    """Build every (case, interpreter) the cells need, in the cells' order, on a thread
    of its own: compiling overlaps running the cells already built (a cell whose build
    is not done yet waits for it, or builds it itself first)."""
    wanted = {(p.case.name, p.interp.id): (p.case, p.interp) for p in reversed(cells)
              if not runner.skip_reason(p.case, p.interp, p.face, p.mode)}
    order = dict.fromkeys((p.case.name, p.interp.id) for p in cells)
    pairs = [wanted[key] for key in order if key in wanted]

    def build_all():
        compiled, compile_s = 0, 0.0
        for done, (case, interp) in enumerate(pairs, 1):
            if STOP.is_set():
                return
            start = time.monotonic()
            fresh = not builds.cached(case, interp)
            builds.get(case, interp)
            if fresh:
                compiled, compile_s = compiled + 1, compile_s + time.monotonic() - start
            progress.build_done(done, len(pairs), compiled, compile_s)

    thread = threading.Thread(target=build_all, name="gilcompat-prebuild", daemon=True)
    thread.start()
    return thread


# A cell's rounds come from power measured on a quiet machine; a case build compiling
# beside it takes cores its threads needed, so a miss then says little about the
# interpreter. Such a cell runs once more after the builds, and says so.
RERUN_VERDICTS = ("undetected", "inconclusive")


@dataclass
class Ran:
    planned: PlannedCell
    cell: Cell
    beside_compile: bool


def _run_one(planned: PlannedCell, builds: BuildCache) -> Ran:
    case, interp = planned.case, planned.interp
    if runner.skip_reason(case, interp, planned.face, planned.mode):
        return Ran(planned, runner.run_cell(case, None, interp, planned.face, planned.mode),
                   False)
    build = builds.get(case, interp)
    mark = builds.load_mark()
    cell = runner.run_cell(case, build, interp, planned.face, planned.mode)
    return Ran(planned, cell, builds.compiled_since(mark))


def _rerun(ran: Ran, builds: BuildCache) -> Cell:
    first = ran.cell
    cell = _run_one(ran.planned, builds).cell
    cell.rerun = (f"a second run: the first, {first.verdict} ({first.outcome} after "
                  f"{first.rounds} rounds), ran while case builds compiled beside it")
    cell.evidence = "\n".join(filter(None, [cell.rerun, cell.evidence]))   # the report shows it
    return cell


def _rerun_loaded(loaded: List[Ran], builds: BuildCache, results: Results,
                  progress: Progress) -> None:
    if not loaded:
        return
    progress.note(f"gilcompat: {len(loaded)} cell(s) ran while case builds compiled and "
                  "showed no break they should have; running them again")
    progress.total += len(loaded)
    while loaded and not STOP.is_set():
        cell = _rerun(loaded[0], builds)
        loaded.pop(0)
        results.cells.append(cell)
        progress.cell_done(cell)
    results.cells.extend(ran.cell for ran in loaded)      # stopped: first runs kept
    loaded.clear()


def run_matrix(cells: List[PlannedCell], results: Results, out: Optional[Path],
               progress: Progress, jobs: int = 1) -> Results:
    """Run ``cells``, appending to ``results`` (and rewriting ``out``) as each ends."""
    builds = BuildCache(progress)
    for interp in dict.fromkeys(c.interp for c in cells):
        results.add_interpreter(interp)
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    prebuild(cells, builds, progress)
    written, loaded = 0.0, []
    try:
        futures = [pool.submit(_run_one, planned, builds) for planned in cells]
        for future in as_completed(futures):
            ran = future.result()
            if ran.beside_compile and ran.cell.verdict in RERUN_VERDICTS:
                loaded.append(ran)
            else:
                results.cells.append(ran.cell)
                # Rewriting the whole file after every cell costs more than a cell late
                # in a long run: at most every WRITE_EVERY_S, and always at the end.
                if out and time.monotonic() - written >= WRITE_EVERY_S:
                    results.write(out)
                    written = time.monotonic()
            progress.cell_done(ran.cell)
        _rerun_loaded(loaded, builds, results, progress)
    except BaseException:
        STOP.set()             # running children are killed, queued cells dropped
        pool.shutdown(wait=True, cancel_futures=True)
        results.cells.extend(ran.cell for ran in loaded)   # first runs not yet redone
        if out:
            results.write(out)
        raise
    finally:
        zygote.POOL.close()
    pool.shutdown(wait=True)
    if out:
        results.write(out)
    order = {id(p): i for i, p in enumerate(cells)}
    key = {(p.interp.id, p.case.name, p.face, p.mode): order[id(p)] for p in cells}
    results.cells.sort(key=lambda c: key.get(c.key, len(key)))
    return results
