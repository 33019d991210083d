"""Check the measured power empirically: gil-reliant cases break in every capi/gil0 cell,
opted-in cases never raise a false alarm there.

Run by hand (never by the tests), on a free-threaded build:

    python bench/power_check.py --python EXE [--runs 100] [--case NAME ...]

Each gil-reliant case runs ``--runs`` capi/gil0 cells in a row, with the rounds its
measured power gives (corpus/power.toml); each opted-in case as many, which must hold
(a twin whose [[expect]] says it breaks there, an interpreter bug, is listed apart).
Prints per case how many cells broke (or held), and the cells that did not.
"""

import argparse
import sys
import time

from gilcompat.build.cached_build import ensure_built
from gilcompat.corpus.cases import corpus_root, load_cases
from gilcompat.pythons.interpreter import probe
from gilcompat.pythons.venvs import prepared
from gilcompat.run.cell_run import run_cell

BREAKS = ("broken", "crashed", "hung")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", required=True)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--case", action="append", default=[])
    args = parser.parse_args()
    interp = prepared(probe(args.python))
    cases = [c for c in load_cases([corpus_root()])[0]
             if (c.name in args.case if args.case else c.category in ("gil-reliant", "opted-in"))]
    failures = 0
    for case in cases:
        build = ensure_built(case, interp)
        outcomes, rounds, start = [], [], time.monotonic()
        for _ in range(args.runs):
            cell = run_cell(case, build, interp, "capi", "gil0")
            if cell.outcome == "skipped":
                break
            outcomes.append(cell.outcome)
            rounds.append(cell.rounds)
        if not outcomes:
            print(f"{case.name:28} skipped: {cell.evidence}")
            continue
        expected = cell.expected or ("broken" if case.category == "gil-reliant" else "holds")
        wanted = BREAKS if expected in BREAKS else ("holds",)
        hits = sum(o in wanted for o in outcomes)
        known_bug = case.category == "opted-in" and expected in BREAKS
        failures += hits != len(outcomes)
        print(f"{case.name:28} {case.category:12} {expected:6}: {hits}/{len(outcomes)} "
              f"({'an interpreter bug, by [[expect]]; ' if known_bug else ''}"
              f"rounds per cell up to {max(rounds)}, {time.monotonic() - start:.0f} s)"
              + ("" if hits == len(outcomes) else
                 f"  MISSED: {sorted(set(o for o in outcomes if o not in wanted))}"),
              flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
