"""How fast a cell that deadlocks by design is called hung, and that a busy one is not.

Run by hand (never by the tests):

    python bench/deadlock_latency.py [--python EXE ...] [--repeat 5]

Runs, on each interpreter, every corpus case whose expectation is a hang (its
[[expect]] says outcome = "hung") on the capi face in default mode, ``--repeat``
times, and prints per case the seconds from the start of the phase it hung in to the
watchdog's call (``hang_called_s``: an upper bound on the time from every thread
blocking, which happens within milliseconds of that phase starting), and the cell's
whole duration. Also runs the tests' spin_forever fixture, which must stay a timeout.
"""

import argparse
import statistics
import sys
from pathlib import Path

from gilcompat.build.cached_build import ensure_built
from gilcompat.corpus.cases import corpus_root, load_cases
from gilcompat.pythons.interpreter import probe
from gilcompat.pythons.venvs import prepared
from gilcompat.run.cell_run import run_cell

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "cases"


def hanging_cases():
    return [c for c in load_cases([corpus_root()])[0]
            if any(e.outcome == "hung" for e in c.expectations)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", action="append", default=[])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for exe in args.python or [sys.executable]:
        interp = prepared(probe(exe))
        print(f"== {interp.id}")
        for case in hanging_cases():
            build = ensure_built(case, interp)
            called, took, outcomes = [], [], []
            for _ in range(args.repeat):
                cell = run_cell(case, build, interp, "capi", "default")
                outcomes.append(cell.outcome)
                took.append(cell.duration_s)
                if cell.hang_called_s is not None:
                    called.append(cell.hang_called_s)
            worst = f"max {max(called):.3f} s" if called else "-"
            print(f"{case.name:26} {'/'.join(sorted(set(outcomes)))}: called hung after "
                  f"median {statistics.median(called) if called else float('nan'):.3f} s, "
                  f"{worst}; cell median {statistics.median(took):.2f} s")
        spin = load_cases([FIXTURES / "spin_forever"])[0][0]
        cell = run_cell(spin, ensure_built(spin, interp), interp, "cffi", "default")
        print(f"{'spin_forever (fixture)':26} {cell.outcome}: "
              f"{cell.evidence.splitlines()[0] if cell.evidence else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
