"""The report as Markdown (renders on a code-hosting site)."""

from typing import Dict, List

from gilcompat.report.power_table import HEADINGS as POWER_HEADINGS
from gilcompat.report.power_table import cells_of as power_cells, power_rows
from gilcompat.report.model import (WITNESS_COLUMNS, Headline, Merged, agreement,
                                  crash_hang_text, gil_text, modules_text)

VERDICT_MARK = {"ok": "", "skipped": "", "violation": " **VIOLATION**",
                "undetected": " **UNDETECTED**", "unexpected-crash": " **UNEXPECTED CRASH**",
                "unexpected-hang": " **UNEXPECTED HANG**", "error": " **ERROR**",
                "inconclusive": " **INCONCLUSIVE**"}


def _list(items: List[str]) -> str:
    return ", ".join(items) if items else "none"


def headline_lines(entry: dict, head: Headline) -> List[str]:
    lines = [f"## {entry['id']} ({head.build_kind})", "",
             f"`{entry.get('executable', '')}`, cffi {entry.get('cffi_version')}", "",
             f"**Do extensions get GIL-like guarantees by default? {head.in_plain_words}**", "",
             f"- **opt-in rule: {head.opt_in_rule}**" +
             (f" ({'; '.join(head.opt_in_evidence)})" if head.opt_in_evidence else ""),
             f"- own-GIL interpreters refuse undeclared modules (subinterp): "
             f"**{head.subinterp_rule}** ({'; '.join(head.subinterp_evidence)})",
             f"- interpreter guarantees held: {head.guarantees_held}",
             f"- gil-reliant breaks seen with the GIL off (the suite's power): {head.power}",
             f"- false alarms on opted-in controls: {_list(head.false_alarms)}",
             f"- crashes and hangs: {crash_hang_text(head)}",
             f"- GIL turned on in default mode by: {modules_text(head.gil_enabled_by)}",
             f"- verdicts: " + ", ".join(f"{n} {v}" for v, n in sorted(head.verdicts.items())),
             ""]
    return lines + route_lines(head)


def route_lines(head: Headline) -> List[str]:
    """The opt-in rule route by route (the C-API faces that ran in default mode)."""
    if not head.routes:
        return []
    lines = ["| route (face) | init | declares | opt-in rule | detail |",
             "|---|---|---|---|---|"]
    for route in head.routes:
        mark = f"**{route.verdict}**" if route.verdict == "violated" else route.verdict
        detail = route.detail.replace("|", "\\|")
        lines.append(f"| {route.face} | {route.route} | {route.declares} | {mark} | {detail} |")
    return lines + [""]


def _cell_text(cell) -> str:
    if cell is None:
        return ""
    if cell.outcome == "skipped":
        return "skipped"
    gil = gil_text(cell).replace("GIL ", "")
    tsan = " TSan" if cell.tsan and cell.tsan.get("in_case") else ""
    return f"{cell.outcome}" + (f" ({gil})" if gil else "") + tsan + \
        VERDICT_MARK.get(cell.verdict, "")


def matrix_lines(merged: Merged) -> List[str]:
    lookup = merged.lookup()
    lines = ["## Matrix", ""]
    for entry in merged.interpreters:
        columns = [(f, m) for i, f, m in merged.columns() if i == entry["id"]]
        if not columns:
            continue
        lines += [f"### {entry['id']}", "",
                  "| case | " + " | ".join(f"{f} {m}" for f, m in columns) + " |",
                  "|---" * (len(columns) + 1) + "|"]
        for category, cases in merged.cases_by_category():
            lines.append(f"| **{category}** |" + " |" * len(columns))
            for case in cases:
                cells = [_cell_text(lookup.get((entry["id"], case, f, m))) for f, m in columns]
                lines.append(f"| {case} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def witness_lines(merged: Merged) -> List[str]:
    lines = []
    for entry in merged.interpreters:
        table = agreement(merged, entry["id"])
        if not table:
            continue
        lines += [f"## Stress and ThreadSanitizer on {entry['id']}", "",
                  "| category | " + " | ".join(WITNESS_COLUMNS) + " |",
                  "|---" * (len(WITNESS_COLUMNS) + 1) + "|"]
        lines += [f"| {cat} | " + " | ".join(str(row[c]) for c in WITNESS_COLUMNS) + " |"
                  for cat, row in table.items()]
        lines.append("")
    return lines


def power_lines(merged: Merged) -> List[str]:
    rows = power_rows(merged)
    if not rows:
        return []
    lines = ["## Detection power", "",
             "How likely each case's holding cells were to miss a real break "
             "(measured by bench/power.py).", "",
             "| " + " | ".join(POWER_HEADINGS) + " |", "|---" * len(POWER_HEADINGS) + "|"]
    lines += ["| " + " | ".join(power_cells(r)) + " |" for r in rows]
    return lines + [""]


def render(merged: Merged, heads: Dict[str, Headline]) -> str:
    lines = ["# gilcompat conformance report", ""]
    for entry in merged.interpreters:
        lines += headline_lines(entry, heads[entry["id"]])
    lines += witness_lines(merged)
    lines += power_lines(merged)
    lines += matrix_lines(merged)
    return "\n".join(lines) + "\n"
