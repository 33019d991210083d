"""``gilcompat check``: an extension author's own cases, run like the corpus's.

A case folder anywhere (the author's repository), in the corpus's format. Unless it
says otherwise, a user's case must hold in every build and mode. For every cell that
did not, the explanation names the evidence and, from a static scan of the case's own
C sources, the corpus case that shows the same hazard and its fix.
"""

from typing import Dict, List

from gilcompat.corpus.cases import Case
from gilcompat.results import Cell
from gilcompat.run.expectations import PASSING_VERDICTS


def hazards_by_case(cases: List[Case]) -> Dict[str, list]:
    """Scan findings (warnings) in each case's C sources, by case name."""
    try:
        from gilcompat.authors.scan import ScanUnavailable, scan_paths
        found = {c.name: scan_paths(c.source_paths)[0] for c in cases}
    except ScanUnavailable:
        return {c.name: [] for c in cases}
    return {name: [f for f in findings if f.severity == "warning"]
            for name, findings in found.items()}


def explain(cells: List[Cell], cases: List[Case]) -> str:
    """What broke, cell by cell, with the corpus case and fix for each hazard found."""
    failed = [c for c in cells if c.verdict not in PASSING_VERDICTS]
    if not failed:
        return "every guarantee held"
    hazards = hazards_by_case([c for c in cases if any(f.case == c.name for f in failed)])
    blocks = []
    for name in dict.fromkeys(c.case for c in failed):
        mine = [c for c in failed if c.case == name]
        lines = [f"{name}: {len(mine)} cells did not hold"]
        for cell in mine:
            gil = {True: "GIL on", False: "GIL off"}.get(cell.gil_enabled, "GIL not measured")
            first = cell.evidence.strip().splitlines()[0] if cell.evidence.strip() else ""
            lines.append(f"  {cell.interpreter} {cell.face}/{cell.mode} ({gil}): "
                         f"{cell.outcome} [{cell.verdict}] {first}")
        for finding in hazards.get(name, []):
            lines.append(f"  likely cause, {finding.file}:{finding.line}: {finding.message}")
            lines.append(f"    the corpus shows it in extensions/{finding.case}; "
                         f"fix: {finding.fix}")
        if not hazards.get(name):
            lines.append("  the scan found no known pattern in its C sources; compare with "
                         "`gilcompat list` for the guarantee that fits")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
