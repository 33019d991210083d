"""The report's detection-power table: per case, what set its cells' rounds.

Each cell records the measurement behind its rounds (corpus/power.py); a case's row
says how often one round showed the break with the GIL off (the rate's 95% lower
bound), on which family and at how many iterations a round, how many rounds a holds
cell ran, and how likely those rounds were to miss a real break. Cases with no
measurement (interpreter guarantees, or a family never measured) run case.toml's
rounds and are listed as unmeasured.
"""

from dataclasses import dataclass
from typing import List, Optional

from gilcompat.report.model import Merged


@dataclass(frozen=True)
class PowerRow:
    case: str
    measured_on: Optional[str]    # "global_counter on cpython-3.13t"; None: unmeasured
    rate_text: str
    rounds: int
    iterations: int
    miss: Optional[float]
    weak: bool

    @property
    def miss_text(self) -> str:
        if self.miss is None:
            return "not measured"
        return f"{self.miss:.1g}" + (" (weak: above 1 in 1,000)" if self.weak else "")


def power_rows(merged: Merged) -> List[PowerRow]:
    rows = {}
    for cell in merged.cells:
        if cell.outcome == "skipped" or cell.case in rows:
            continue
        found = cell.power
        if found:
            rows[cell.case] = PowerRow(
                cell.case, f"{found['case']} on {found['family']}",
                f"{found['broken']}/{found['rounds']} rounds (>= {found['rate_low']:.3f})",
                cell.rounds, found.get("iterations") or 0, found["miss"], found["weak"])
        else:
            rows[cell.case] = PowerRow(cell.case, None, "-", cell.rounds, 0, None, False)
    return sorted(rows.values(), key=lambda r: (r.measured_on is None, r.case))


HEADINGS = ("case", "measured", "broke, per round", "rounds per cell",
            "iterations per thread and round", "miss probability")


def cells_of(row: PowerRow) -> tuple:
    return (row.case, row.measured_on or "not measured", row.rate_text, str(row.rounds),
            f"{row.iterations:,}" if row.iterations else "case.toml's", row.miss_text)
