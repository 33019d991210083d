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

    def cached(self, case: Case, interp: Interpreter) -> bool:
        """Whether the build is at hand without compiling (this run's, or the cache's)."""
        return (case.name, interp.id) in self.builds or is_built(case, interp)

    def get(self, case: Case, interp: Interpreter) -> Build:
        key = (case.name, interp.id)
        with self.guard:
            lock = self.locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self.builds:
                build = ensure_built(case, interp)
                if not build.ok:
                    self.progress.note(f"build failed: {case.name} on {interp.id} "
                                       f"(its cells are errors; see their evidence)")
                self.builds[key] = build
            return self.builds[key]


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


def _run_one(planned: PlannedCell, builds: BuildCache) -> Cell:
    case, interp = planned.case, planned.interp
    if runner.skip_reason(case, interp, planned.face, planned.mode):
        return runner.run_cell(case, None, interp, planned.face, planned.mode)
    return runner.run_cell(case, builds.get(case, interp), interp, planned.face, planned.mode)


def run_matrix(cells: List[PlannedCell], results: Results, out: Optional[Path],
               progress: Progress, jobs: int = 1) -> Results:
    """Run ``cells``, appending to ``results`` (and rewriting ``out``) as each ends."""
    builds = BuildCache(progress)
    for interp in dict.fromkeys(c.interp for c in cells):
        results.add_interpreter(interp)
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    prebuild(cells, builds, progress)
    written = 0.0
    try:
        futures = [pool.submit(_run_one, planned, builds) for planned in cells]
        for future in as_completed(futures):
            cell = future.result()
            results.cells.append(cell)
            # Rewriting the whole file after every cell costs more than a cell late in a
            # long run: at most every WRITE_EVERY_S, and always at the end or a stop.
            if out and time.monotonic() - written >= WRITE_EVERY_S:
                results.write(out)
                written = time.monotonic()
            progress.cell_done(cell)
    except BaseException:
        STOP.set()             # running children are killed, queued cells dropped
        pool.shutdown(wait=True, cancel_futures=True)
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
