"""Measure each breakable case's detection power and write compat/gilcompat/corpus/power.toml.

Run by hand (never by the tests), on a free-threaded build:

    python bench/power.py --python EXE [--rounds 200] [--case NAME ...] [--max-seconds 90]
                          [--levels 3] [--replace]

For every gil-reliant and never-guaranteed case (or the ones named), capi cells in
mode gil0 run every round (no stop at the first evidence) until ``--rounds`` rounds
ran (or ``--max-seconds`` passed: the rows says how many ran). A crash or hang counts
as one broken round and the next cell goes on. A level measured before, on this
interpreter's family at the same iterations, is pooled with the row power.toml has
(``--replace``: thrown away): the per-round rate moves between sessions by more than
one session's bound allows (global_counter at 50,000 iterations: 172 of 200 one day,
199 of 200 the next), so one session's luck must not set the rounds alone. Other
families' rows stay. Prints per case: rounds,
broken, the per-round rate and its 95% lower bound, the rounds a holds cell then
needs (miss < 1 in 1,000), and weak where that exceeds the cap.

Each gil-reliant case is measured at up to ``--levels`` amounts of work per round: case.toml's
iterations, then a quarter of the last, while the last level needed at most
MAX_SHRUNK_BUDGET rounds and crashed or hung in no cell (a crash or a hang is one round
per cell: its rate says nothing of how much work it needs). The smallest level that
needed at most that many rounds, and no more than case.toml's level, is kept: less work
a round, the same bound on a miss. Only levels where a single round almost always
broke qualify, because the rounds of one cell are not quite independent (one whose
threads got little concurrency misses in every round): levels that broke in 75-93% of
rounds and needed 4-6 rounds missed their break in 1-2 of 100 cells in a row, where
the 1 in 1,000 bound expects none (bench/power_check.py, 2026-12-03). A never-guaranteed
case is measured at case.toml's level only: its cells with the GIL on must break too,
which a round shows only when the GIL happens to switch inside it, and a short round
seldom does (split_across_calls at 625 of 10,000 iterations held with the GIL on).
"""

import argparse
import datetime
import sys
import time
from dataclasses import replace
from typing import Optional

from gilcompat.build.cached_build import ensure_built
from gilcompat.corpus import power
from gilcompat.corpus.cases import corpus_root, load_cases
from gilcompat.pythons.interpreter import probe
from gilcompat.pythons.venvs import prepared
from gilcompat.run.cell_run import run_cell

BREAKABLE = ("gil-reliant", "never-guaranteed")
CHUNK = 50              # rounds per cell
SHRINK = 4              # each level's iterations: the last one's over this
FEWEST_ITERATIONS = 100
MAX_SHRUNK_BUDGET = 2   # rounds a smaller level may need: 198 of 200 rounds broke


def measure(case, build, interp, rounds: int, max_s: float, iterations: int) -> tuple:
    """(rounds run, rounds broken, whether a cell crashed or hung) over capi/gil0
    cells of ``iterations`` per thread and round."""
    ran = broken = 0
    abrupt = False
    deadline = time.monotonic() + max_s
    while ran < rounds and time.monotonic() < deadline:
        cell = run_cell(case, build, interp, "capi", "gil0", rounds=min(CHUNK, rounds - ran),
                        every_round=True, iterations=iterations)
        if cell.outcome in ("skipped", "error") or not cell.rounds:
            print(f"  {case.name}: {cell.outcome}: {cell.evidence.splitlines()[:1]}")
            break
        ran += cell.rounds
        broken += cell.rounds_broken or 0
        abrupt = abrupt or cell.outcome in ("crashed", "hung")
    return ran, broken, abrupt


def pooled(row: power.Power, before: Optional[power.Power], case_iterations: int):
    """``row`` with ``before``'s rounds added when both measured the same work."""
    if before is None or before.work(case_iterations) != row.work(case_iterations):
        return row
    dates = " and ".join(dict.fromkeys(filter(None, (*before.measured.split(" and "),
                                                     row.measured))))
    return replace(row, rounds=row.rounds + before.rounds,
                   broken=row.broken + before.broken, measured=dates)


def levels(case, build, interp, args, family: str, today: str, before):
    """Yield a Power per level of work measured, largest first (see the docstring),
    pooled with ``before`` (power.toml's row) at its level."""
    iterations = case.stress.iterations
    for _ in range(args.levels if case.category == "gil-reliant" else 1):
        ran, broken, abrupt = measure(case, build, interp, args.rounds, args.max_seconds,
                                      iterations)
        if not ran:
            return
        row = pooled(power.Power(case.name, family, ran, broken, interp.id, today,
                                 iterations), before, case.stress.iterations)
        print(f"{case.name:28} {iterations:7} iterations {row.rounds:4} rounds "
              f"{row.broken:4} broken{' (pooled)' if row.rounds != ran else ''}  "
              f"rate {row.rate:.3f} (>= {row.rate_low:.3f})  needs {row.needed} rounds"
              f"{'  WEAK' if row.weak else ''}", flush=True)
        yield row
        iterations //= SHRINK
        if row.budget > MAX_SHRUNK_BUDGET or abrupt or iterations < FEWEST_ITERATIONS:
            return


def kept(rows):
    """The level cells run: the smallest that needed at most MAX_SHRUNK_BUDGET rounds
    and no more than the first (case.toml's), else the first."""
    first = rows[0]
    fit = [r for r in rows[1:] if r.budget <= min(MAX_SHRUNK_BUDGET, first.budget)]
    return fit[-1] if fit else first


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", required=True)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--case", action="append", default=[])
    parser.add_argument("--max-seconds", type=float, default=90.0)
    parser.add_argument("--levels", type=int, default=3,
                        help="amounts of work per round to try, each a quarter of the last")
    parser.add_argument("--replace", action="store_true",
                        help="throw power.toml's rows away instead of pooling with them")
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
        before = None if args.replace else table.get((case.name, family))
        rows = list(levels(case, build, interp, args, family, today, before))
        if not rows:
            continue
        chosen = kept(rows)
        table[(case.name, family)] = chosen
        print(f"{case.name:28} keeps {chosen.work(case.stress.iterations)} iterations x "
              f"{chosen.budget} rounds", flush=True)
        power.POWER_FILE.write_text(power.dump(table))     # keep what is measured
    return 0


if __name__ == "__main__":
    sys.exit(main())
