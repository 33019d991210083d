"""Measure each breakable case's detection power and write compat/gilcompat/corpus/power.toml.

Run by hand (never by the tests), on a free-threaded build:

    python bench/power.py --python EXE [--rounds 200] [--case NAME ...] [--max-seconds 90]

For every gil-reliant and never-guaranteed case (or the ones named), capi cells in
mode gil0 run every round (no stop at the first evidence) until ``--rounds`` rounds
ran (or ``--max-seconds`` passed: the rows says how many ran). A crash or hang counts
as one broken round and the next cell goes on. The rows for this interpreter's family
are replaced in power.toml; other families' rows stay. Prints per case: rounds,
broken, the per-round rate and its 95% lower bound, the rounds a holds cell then
needs (miss < 1 in 1,000), and weak where that exceeds the cap.
"""

import argparse
import datetime
import sys
import time

from gilcompat.build.cached_build import ensure_built
from gilcompat.corpus import power
from gilcompat.corpus.cases import corpus_root, load_cases
from gilcompat.pythons.interpreter import probe
from gilcompat.pythons.venvs import prepared
from gilcompat.run.cell_run import run_cell

BREAKABLE = ("gil-reliant", "never-guaranteed")
CHUNK = 50              # rounds per cell


def measure(case, build, interp, rounds: int, max_s: float) -> tuple:
    """(rounds run, rounds broken) over capi/gil0 cells."""
    ran = broken = 0
    deadline = time.monotonic() + max_s
    while ran < rounds and time.monotonic() < deadline:
        cell = run_cell(case, build, interp, "capi", "gil0",
                        rounds=min(CHUNK, rounds - ran), every_round=True)
        if cell.outcome in ("skipped", "error") or not cell.rounds:
            print(f"  {case.name}: {cell.outcome}: {cell.evidence.splitlines()[:1]}")
            break
        ran += cell.rounds
        broken += cell.rounds_broken or 0
    return ran, broken


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", required=True)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--case", action="append", default=[])
    parser.add_argument("--max-seconds", type=float, default=90.0)
    args = parser.parse_args()
    interp = prepared(probe(args.python))
    if "gil0" not in interp.modes:
        print(f"{interp.id} has no gil0 mode: measure on a free-threaded build")
        return 2
    family = power.family_of(interp.implementation, interp.version_tuple,
                             interp.free_threaded, interp.tsan)
    cases = [c for c in load_cases([corpus_root()])[0]
             if (c.name in args.case if args.case else c.category in BREAKABLE)]
    table = power.load()
    today = datetime.date.today().isoformat()
    for case in cases:
        build = ensure_built(case, interp)
        ran, broken = measure(case, build, interp, args.rounds, args.max_seconds)
        if not ran:
            continue
        row = power.Power(case.name, family, ran, broken, interp.id, today)
        table[(case.name, family)] = row
        print(f"{case.name:28} {ran:4} rounds {broken:4} broken  rate {row.rate:.3f} "
              f"(>= {row.rate_low:.3f})  needs {row.needed} rounds"
              f"{'  WEAK' if row.weak else ''}", flush=True)
        power.POWER_FILE.write_text(power.dump(table))     # keep what is measured
    return 0


if __name__ == "__main__":
    sys.exit(main())
