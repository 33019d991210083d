"""The report as one self-contained HTML file: no network, readable on a phone, printable.

Headlines first, then the matrix: cases grouped by category down the side,
interpreter x face x mode across; each cell shows outcome and measured GIL state,
coloured by verdict. Evidence shows on hover (title) and, on click or tap, in a panel
under the matrix. The page works without its script; the script only adds the panel.
"""

import html
import json
from typing import Dict, List

from gilcompat.report.power_table import HEADINGS as POWER_HEADINGS
from gilcompat.report.power_table import cells_of as power_cells, power_rows
from gilcompat.report.model import (WITNESS_COLUMNS, Headline, Merged, agreement,
                                  crash_hang_text, gil_text, modules_text)

STYLE = """
:root { --ok:#d7f0d8; --skipped:#eeeeee; --violation:#f6b4b4; --undetected:#ffd9a8;
        --crash:#dcc6f2; --hang:#e8d3b8; --error:#f08a8a; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 auto; padding: 12px; max-width: 1600px;
       color: #1b1b1b; background: #fff; }
h1 { font-size: 1.4em; margin: .2em 0 .6em; }
h2 { font-size: 1.15em; margin: 1.2em 0 .4em; }
.heads { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 10px; }
.head { border: 1px solid #ccc; border-radius: 6px; padding: 8px 10px; }
.head h3 { margin: 0 0 4px; font-size: 1.05em; }
.head .exe { color: #555; font-size: .85em; word-break: break-all; }
.head dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 8px; margin: 6px 0 0; }
.head dt { font-weight: 600; } .head dd { margin: 0; }
.rule-honored { color: #11661b; } .rule-violated { color: #a40000; font-weight: 700; }
.wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; border: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 12px; }
th, td { border: 1px solid #d0d0d0; padding: 3px 5px; text-align: center; white-space: nowrap; }
th.case, td.case { position: sticky; left: 0; background: #fff; text-align: left; z-index: 1; }
tr.category th { background: #f3f3f3; text-align: left; position: sticky; left: 0; }
td.cell { cursor: pointer; min-width: 64px; }
td.cell small { display: block; color: #444; }
td.cell:focus { outline: 2px solid #333; }
.v-ok { background: var(--ok); } .v-skipped { background: var(--skipped); color: #777; }
.v-violation { background: var(--violation); font-weight: 700; }
.v-undetected { background: var(--undetected); font-weight: 700; }
.v-unexpected-crash { background: var(--crash); font-weight: 700; }
.v-unexpected-hang { background: var(--hang); font-weight: 700; }
.v-error { background: var(--error); font-weight: 700; }
.v-inconclusive { background: #e6dcf5; font-weight: 700; }
.rule-inconclusive { color: #5b2a86; }
.legend span { display: inline-block; padding: 1px 6px; margin: 2px; border: 1px solid #ccc; }
#evidence { white-space: pre-wrap; font: 12px/1.3 ui-monospace, monospace; background: #f7f7f7;
            border: 1px solid #ccc; padding: 8px; margin-top: 10px; min-height: 3em; }
@media (max-width: 600px) { body { padding: 6px; font-size: 13px; } }
@media print {
  .wrap { overflow: visible; border: 0; } table { font-size: 8px; }
  th.case, td.case, tr.category th { position: static; }
  #evidence, .hint { display: none; }
  td.cell, .head { break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

SCRIPT = """
(function () {
  var panel = document.getElementById('evidence');
  var cells = document.querySelectorAll('td.cell');
  function show(td) {
    panel.textContent = td.getAttribute('data-label') + '\\n\\n' + td.getAttribute('title');
  }
  for (var i = 0; i < cells.length; i++) {
    cells[i].addEventListener('click', function () { show(this); });
    cells[i].addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); show(this); }
    });
  }
  document.body.setAttribute('data-ready', String(cells.length));
})();
"""

LEGEND = ("ok", "skipped", "violation", "undetected", "unexpected-crash", "unexpected-hang",
          "error", "inconclusive")


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _list(items: List[str], empty: str = "none") -> str:
    return _e(", ".join(items)) if items else empty


def headline_card(entry: dict, head: Headline) -> str:
    kind = head.build_kind
    rows = [
        ("GIL-like guarantees by default?", f"<strong>{_e(head.in_plain_words)}</strong>"),
        ("opt-in rule", f'<span class="rule-{_e(head.opt_in_rule)}">{_e(head.opt_in_rule)}'
                        f"</span> {_list(head.opt_in_evidence, '')}"),
        ("own-GIL interpreters refuse undeclared modules",
         f'<span class="rule-{_e(head.subinterp_rule)}">{_e(head.subinterp_rule)}</span> '
         f"{_list(head.subinterp_evidence, '')}"),
        ("interpreter guarantees held", _e(head.guarantees_held)),
        ("gil-reliant breaks seen, GIL off", _e(head.power)),
        ("false alarms (opted-in)", _list(head.false_alarms)),
        ("crashes, hangs", _e(crash_hang_text(head))),
        ("GIL turned on by", _e(modules_text(head.gil_enabled_by))),
        ("verdicts", _e(", ".join(f"{n} {v}" for v, n in sorted(head.verdicts.items())))),
    ]
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return (f'<section class="head" id="head-{_e(entry["id"])}"><h3>{_e(entry["id"])} '
            f"({kind})</h3><div class=\"exe\">{_e(entry.get('executable', ''))} &middot; "
            f"cffi {_e(entry.get('cffi_version'))}</div><dl>{body}</dl></section>")


def _header_rows(merged: Merged) -> str:
    columns = merged.columns()
    interps: Dict[str, int] = {}
    faces: Dict[tuple, int] = {}
    for interp, face, _mode in columns:
        interps[interp] = interps.get(interp, 0) + 1
        faces[(interp, face)] = faces.get((interp, face), 0) + 1
    row1 = "".join(f'<th colspan="{n}">{_e(i)}</th>' for i, n in interps.items())
    row2 = "".join(f'<th colspan="{n}">{_e(f)}</th>' for (_i, f), n in faces.items())
    row3 = "".join(f"<th>{_e(m)}</th>" for _i, _f, m in columns)
    return (f'<tr><th class="case" rowspan="3">case</th>{row1}</tr>'
            f"<tr>{row2}</tr><tr>{row3}</tr>")


def _cell(cell, label: str) -> str:
    if cell is None:
        return "<td></td>"
    expected = f"expected {cell.expected} ({cell.expected_why})\n" if cell.expected else ""
    title = f"{cell.verdict}: {cell.outcome}, {gil_text(cell) or 'GIL not measured'}\n" \
            f"{expected}{cell.evidence}".strip()
    tsan = cell.tsan or {}
    witness = ""
    if tsan:
        title += f"\nThreadSanitizer: {tsan.get('in_case', 0)} report(s) in the case, " \
                 f"{tsan.get('in_interpreter', 0)} in the interpreter"
        witness = "<small>TSan: race</small>" if tsan.get("in_case") else "<small>TSan: -</small>"
    return (f'<td class="cell v-{_e(cell.verdict)}" tabindex="0" data-label="{_e(label)}" '
            f'title="{_e(title)}">{_e(cell.outcome)}<small>{_e(gil_text(cell))}</small>'
            f'{witness}</td>')


def matrix(merged: Merged) -> str:
    lookup, columns = merged.lookup(), merged.columns()
    rows = []
    for category, cases in merged.cases_by_category():
        rows.append(f'<tr class="category"><th colspan="{len(columns) + 1}">'
                    f"{_e(category)}</th></tr>")
        for case in cases:
            tds = "".join(_cell(lookup.get((i, case, f, m)), f"{case} on {i}, {f}/{m}")
                          for i, f, m in columns)
            rows.append(f'<tr><td class="case">{_e(case)}</td>{tds}</tr>')
    return (f'<div class="wrap"><table><thead>{_header_rows(merged)}</thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


ROUTE_CLASS = {"honored": "v-ok", "violated": "v-violation", "skipped": "v-skipped",
               "inconclusive": "v-inconclusive", "error": "v-error"}


def route_tables(merged: Merged, heads: Dict[str, Headline]) -> str:
    """Per interpreter, the opt-in rule route by route; the detail shows on hover."""
    parts = []
    for entry in merged.interpreters:
        routes = heads[entry["id"]].routes
        if not routes:
            continue
        rows = "".join(
            f'<tr><td class="case">{_e(r.face)}</td><td>{_e(r.route)}</td>'
            f"<td>{_e(r.declares)}</td><td class=\"{ROUTE_CLASS.get(r.verdict, '')}\" "
            f'title="{_e(r.detail)}">{_e(r.verdict)}</td></tr>' for r in routes)
        parts.append(f"<h2>Init routes on {_e(entry['id'])}</h2>"
                     '<div class="wrap"><table class="routes"><thead><tr>'
                     '<th class="case">route (face)</th><th>init</th><th>declares</th>'
                     f"<th>opt-in rule</th></tr></thead><tbody>{rows}</tbody></table></div>")
    return "".join(parts)


def witness_tables(merged: Merged) -> str:
    parts = []
    for entry in merged.interpreters:
        table = agreement(merged, entry["id"])
        if not table:
            continue
        head = "".join(f"<th>{_e(c)}</th>" for c in WITNESS_COLUMNS)
        rows = "".join(f"<tr><td class=\"case\">{_e(cat)}</td>" +
                       "".join(f"<td>{row[c]}</td>" for c in WITNESS_COLUMNS) + "</tr>"
                       for cat, row in table.items())
        parts.append(f"<h2>Stress and ThreadSanitizer on {_e(entry['id'])}</h2>"
                     f'<div class="wrap"><table><thead><tr><th class="case">category</th>'
                     f"{head}</tr></thead><tbody>{rows}</tbody></table></div>")
    return "".join(parts)


def power_table(merged: Merged) -> str:
    rows = power_rows(merged)
    if not rows:
        return ""
    head = "".join(f"<th>{_e(h)}</th>" for h in POWER_HEADINGS)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in power_cells(r)) + "</tr>"
                   for r in rows)
    return (f"<h2>Detection power</h2><p class=\"hint\">How likely each case's holding cells "
            f"were to miss a real break (measured by bench/power.py).</p>"
            f'<div class="wrap"><table><thead><tr>{head}</tr></thead><tbody>{body}'
            f"</tbody></table></div>")


def render(merged: Merged, heads: Dict[str, Headline]) -> str:
    cards = "".join(headline_card(e, heads[e["id"]]) for e in merged.interpreters)
    legend = "".join(f'<span class="v-{v}">{v}</span>' for v in LEGEND)
    data = json.dumps({"cells": len(merged.cells)})
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gilcompat conformance report</title><style>{STYLE}</style></head>
<body data-summary='{_e(data)}'>
<h1>gilcompat conformance report</h1>
<div class="heads">{cards}</div>
{route_tables(merged, heads)}
{witness_tables(merged)}
{power_table(merged)}
<h2>Matrix</h2>
<p class="legend">{legend}</p>
<p class="hint">Hover a cell for its evidence; click or tap to show it below.</p>
{matrix(merged)}
<div id="evidence" aria-live="polite">Click a cell to see its evidence.</div>
<script>{SCRIPT}</script>
</body></html>
"""
