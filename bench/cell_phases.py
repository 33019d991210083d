"""Where a whole run's time goes, by the phases its children report.

Run by hand (never by the tests):

    python bench/cell_phases.py --python EXE [--case NAME ...]

Runs every cell of the corpus on EXE (builds warmed first) in this process, records
each child's event times, and prints the seconds summed over cells per stretch: from
the start to the child's first event (the interpreter's start and imports, or the
fork), each phase (the probes, the face's import, rounds, the exit after ``done``),
and what the parent spends around the child (folders, request, judging).
"""

import argparse
import os
import sys
import time
from collections import defaultdict

from gilcompat.corpus.cases import corpus_root, load_cases
from gilcompat.pythons.interpreter import probe
from gilcompat.pythons.venvs import prepared
from gilcompat.run import cell_run, plan, process
from gilcompat.run.progress import Progress
from gilcompat.results import Results

TOTALS = defaultdict(float)


def _stretches(run, started: float, ended: float) -> None:
    """Adds each stretch of one child's life to TOTALS."""
    previous, name = started, "start-up (to the first event)"
    for event in run.events:
        TOTALS[name] += event["t"] - previous
        previous = event["t"]
        if event["event"] == "phase":
            name = event["phase"] if event["phase"] not in ("setup", "stress", "check") \
                else "rounds (setup, stress, check)"
        elif event["event"] == "done":
            name = "exit (after done)"
        else:
            name = f"{name} (after {event['event']})"
    TOTALS[name] += ended - previous


def recording(spawn):
    def spawn_and_watch(*args, **kwargs):
        started = time.time()
        run = spawn(*args, **kwargs)
        _stretches(run, started, time.time())
        TOTALS["children, in all"] += run.duration_s
        return run
    return spawn_and_watch


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", required=True)
    parser.add_argument("--case", action="append", default=[])
    args = parser.parse_args()
    interp = prepared(probe(args.python), log=lambda _: None)
    cases = [c for c in load_cases([corpus_root()])[0] if not args.case or c.name in args.case]
    cells = plan.run_plan(cases, [interp])
    plan.run_matrix(cells, Results(), None, Progress(0, stream=open(os.devnull, "w")))    # warm builds
    cell_run.spawn_and_watch = recording(process.spawn_and_watch)
    start = time.perf_counter()
    results = plan.run_matrix(cells, Results(), None, Progress(0, stream=open(os.devnull, "w")))
    wall = time.perf_counter() - start
    ran = [c for c in results.cells if c.outcome != "skipped"]
    print(f"{len(ran)} cells run in {wall:.1f} s ({wall / max(len(ran), 1) * 1000:.0f} ms each)")
    for name, seconds in sorted(TOTALS.items(), key=lambda kv: -kv[1]):
        print(f"  {seconds:7.2f} s  {seconds / max(len(ran), 1) * 1000:6.1f} ms/cell  {name}")
    by_case = defaultdict(list)
    for cell in ran:
        by_case[cell.case].append(cell)
    print("slowest cases (seconds in their cells, cells, rounds run):")
    for name, group in sorted(by_case.items(), key=lambda kv: -sum(c.duration_s for c in kv[1]))[:12]:
        print(f"  {sum(c.duration_s for c in group):6.2f} s  {len(group):3d} cells  "
              f"{sum(c.rounds for c in group):4d} rounds  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
