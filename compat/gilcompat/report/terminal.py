"""The readable table printed at the end of a run."""

from typing import List

from gilcompat.results import Cell

COLUMNS = ("case", "face", "mode", "outcome", "GIL", "verdict", "evidence")
EVIDENCE_WIDTH = 70


def _gil(cell: Cell) -> str:
    if cell.gil_enabled is None:
        return "-"
    state = "on" if cell.gil_enabled else "off"
    return f"{state} ({cell.gil_enabled_by})" if cell.gil_enabled_by else state


def _evidence(cell: Cell) -> str:
    first = cell.evidence.strip().splitlines()[0] if cell.evidence.strip() else ""
    return first if len(first) <= EVIDENCE_WIDTH else first[:EVIDENCE_WIDTH - 3] + "..."


def render(cells: List[Cell]) -> str:
    blocks = []
    for interp in dict.fromkeys(c.interpreter for c in cells):
        rows = [(c.case, c.face, c.mode, c.outcome, _gil(c), c.verdict, _evidence(c))
                for c in cells if c.interpreter == interp]
        widths = [max(len(str(r[i])) for r in rows + [COLUMNS]) for i in range(len(COLUMNS))]
        line = lambda r: "  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip()
        blocks.append("\n".join([f"== {interp}", line(COLUMNS),
                                 line(["-" * w for w in widths]), *map(line, rows)]))
    return "\n\n".join(blocks)


def summary(cells: List[Cell]) -> str:
    counts = {}
    for cell in cells:
        counts[cell.verdict] = counts.get(cell.verdict, 0) + 1
    parts = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
    return f"{len(cells)} cells: {parts}"
