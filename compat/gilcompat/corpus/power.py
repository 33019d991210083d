"""Measured detection power: how often one round of a case shows its break with the GIL
off, and the work a ``holds`` cell therefore needs.

``bench/power.py`` measures it (every round of capi/gil0 cells on a free-threaded build,
without stopping at the first evidence) and writes ``power.toml`` next to this file, per
case and interpreter family. A row is measured at one amount of work per round (each
thread's ``iterations``: case.toml's, or a fraction of it that broke almost as surely:
see bench/power.py), and cells run that amount. From ``broken`` of ``rounds``
the budget is the fewest
rounds that would have missed a real break with probability below MISS_BOUND, taking
the per-round rate at its one-sided 95% lower bound (Wilson), so 200 rounds that all
broke still give a rate below 1. A case whose budget exceeds MAX_ROUNDS is weak: its
cells run MAX_ROUNDS and the report says how likely a miss still is.
"""

import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

POWER_FILE = Path(__file__).with_name("power.toml")
MISS_BOUND = 1e-3
MAX_ROUNDS = 20
Z_95 = 1.645            # one-sided 95%


@dataclass(frozen=True)
class Power:
    case: str
    family: str           # interpreter family measured on: "cpython-3.13t"
    rounds: int           # rounds measured
    broken: int           # of them, rounds that showed the break
    interpreter: str = ""
    measured: str = ""    # the date
    iterations: Optional[int] = None    # per thread and round; None: case.toml's

    def work(self, case_iterations: int) -> int:
        """Each thread's iterations a round: what was measured."""
        return self.iterations or case_iterations

    @property
    def rate(self) -> float:
        return self.broken / self.rounds if self.rounds else 0.0

    @property
    def rate_low(self) -> float:
        """The per-round rate's one-sided 95% lower bound (Wilson score)."""
        n, p = self.rounds, min(1.0, self.rate)
        if n == 0:
            return 0.0
        z2 = Z_95 * Z_95
        centre = p + z2 / (2 * n)
        spread = Z_95 * math.sqrt(max(0.0, p * (1 - p)) / n + z2 / (4 * n * n))
        return max(0.0, (centre - spread) / (1 + z2 / n))

    @property
    def needed(self) -> Optional[int]:
        """Rounds for a miss probability below MISS_BOUND; None if no round broke."""
        low = self.rate_low
        if low <= 0:
            return None
        if low >= 1:
            return 1
        return max(1, math.ceil(math.log(MISS_BOUND) / math.log(1 - low)))

    @property
    def weak(self) -> bool:
        return self.needed is None or self.needed > MAX_ROUNDS

    @property
    def budget(self) -> int:
        return MAX_ROUNDS if self.weak else self.needed

    def miss(self, rounds: int) -> float:
        """The probability that ``rounds`` rounds all miss a real break."""
        return (1 - self.rate_low) ** rounds


def family_of(implementation: str, version_tuple: Tuple[int, int], free_threaded: bool,
              tsan: bool) -> str:
    return (f"{implementation}-{version_tuple[0]}.{version_tuple[1]}"
            f"{'t' if free_threaded else ''}{'-tsan' if tsan else ''}")


def load(path: Path = POWER_FILE) -> Dict[Tuple[str, str], Power]:
    """(case, family) -> Power; empty when the file is missing."""
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        return {}
    found = {}
    for case, families in data.get("power", {}).items():
        for family, row in families.items():
            found[(case, family)] = Power(case, family, int(row["rounds"]),
                                          int(row["broken"]), row.get("interpreter", ""),
                                          row.get("measured", ""), row.get("iterations"))
    return found


def dump(table: Dict[Tuple[str, str], Power]) -> str:
    """``power.toml``'s text for ``table``."""
    lines = ["# Measured by bench/power.py (capi face, gil0, every round run): per case and",
             "# interpreter family, each thread's iterations a round, the rounds run and",
             "# how many showed the break. Do not edit by hand; re-measure with",
             "# `python bench/power.py --python <3.13t>`.", ""]
    for (case, family), p in sorted(table.items()):
        lines += [f'[power.{case}."{family}"]']
        lines += [f"iterations = {p.iterations}"] if p.iterations else []
        lines += [f"rounds = {p.rounds}", f"broken = {p.broken}",
                  f'interpreter = "{p.interpreter}"', f'measured = "{p.measured}"', ""]
    return "\n".join(lines)


_TABLE: Optional[Dict[Tuple[str, str], Power]] = None


def table() -> Dict[Tuple[str, str], Power]:
    """The shipped measurements, read once per process."""
    global _TABLE
    if _TABLE is None:
        _TABLE = load()
    return _TABLE


def powers_for(names, implementation: str, family: str,
               measured: Optional[Dict[Tuple[str, str], Power]] = None) -> List[Power]:
    """The measurements that set the work of a cell of the cases ``names`` (a case and
    the cases it fixes: a twin runs the work that shows its partners' breaks) on
    ``family``: that family's, else the same implementation's (a GIL build runs the work
    its free-threaded sibling needed); empty when nothing was measured."""
    measured = table() if measured is None else measured
    for wanted in (lambda f: f == family, lambda f: f.startswith(implementation + "-")):
        found = [p for (case, f), p in sorted(measured.items()) if case in names and wanted(f)]
        if found:
            return found
    return []


def power_for(names, implementation: str, family: str,
              measured: Optional[Dict[Tuple[str, str], Power]] = None) -> Optional[Power]:
    """Of ``powers_for``, the one needing most rounds; None when nothing was measured."""
    found = powers_for(names, implementation, family, measured)
    return max(found, key=lambda p: p.budget) if found else None
