"""Merge results files and compute each interpreter's headline.

Files from tox envs, from ``gilcompat run`` and from other machines merge into one
set of cells keyed by (interpreter, case, face, mode); a later file's cell replaces an
earlier one's. The headline says, per interpreter, what a reader wants before any
table: is the opt-in rule honoured, do the interpreter guarantees hold, how many
GIL-reliant breaks did the suite see with the GIL off (its power), false alarms on the
opted-in controls, crashes and hangs, and which module turned the GIL on.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from gilcompat.corpus.cases import CATEGORIES, MODES
from gilcompat.corpus.faces import FACE_TABLE, FACES
from gilcompat.report.routes import Route, routes
from gilcompat.results import Cell, Results, parallel_of

BREAK_OUTCOMES = ("broken", "crashed")
RAN = ("holds", "broken", "crashed", "hung")


@dataclass
class Count:
    n: int = 0
    of: int = 0

    def __str__(self) -> str:
        return f"{self.n} of {self.of}"

    def to_json(self) -> dict:
        return {"n": self.n, "of": self.of}


@dataclass
class Headline:
    opt_in_rule: str                      # honored / violated / inconclusive / not-run
    opt_in_evidence: List[str]            # the cells that prove it
    guarantees_held: Count
    power: Count                          # gil-reliant breaks seen with the GIL off
    false_alarms: List[str]               # opted-in cells that did not hold
    crashes: List[str]
    hangs: List[str]
    unexpected: List[str]                 # crashes and hangs no case expected
    gil_enabled_by: List[str]             # modules that turned the GIL on in default mode
    verdicts: Dict[str, int] = field(default_factory=dict)
    parallel: Optional[bool] = None       # measured: GIL-held C code ran in two threads
    build_kind: str = ""                  # what the build is, declared and measured
    in_plain_words: str = ""              # do extensions get GIL-like guarantees by default?
    routes: List[Route] = field(default_factory=list)   # the opt-in rule per init route
    subinterp_rule: str = "not-run"       # undeclared modules refused by own-GIL interpreters?
    subinterp_evidence: List[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"opt_in_rule": self.opt_in_rule, "opt_in_evidence": self.opt_in_evidence,
                "parallel": self.parallel, "build_kind": self.build_kind,
                "in_plain_words": self.in_plain_words,
                "guarantees_held": self.guarantees_held.to_json(),
                "power": self.power.to_json(), "false_alarms": self.false_alarms,
                "crashes": self.crashes, "hangs": self.hangs, "unexpected": self.unexpected,
                "gil_enabled_by": self.gil_enabled_by, "verdicts": self.verdicts,
                "subinterp_rule": self.subinterp_rule,
                "subinterp_evidence": self.subinterp_evidence,
                "opt_in_routes": {r.face: r.verdict for r in self.routes},
                "opt_in_route_details": [r.to_json() for r in self.routes]}


@dataclass
class Merged:
    interpreters: List[dict]
    cells: List[Cell]

    def cells_of(self, interp_id: str) -> List[Cell]:
        return [c for c in self.cells if c.interpreter == interp_id]

    def columns(self) -> List[Tuple[str, str, str]]:
        """(interpreter, face, mode) for every column that has at least one cell; per
        interpreter the subinterp mode's columns come last, a group of their own."""
        present = {(c.interpreter, c.face, c.mode) for c in self.cells}
        groups = ([m for m in MODES if m != "subinterp"], ["subinterp"])
        return [(i["id"], f, m) for i in self.interpreters for modes in groups
                for f in FACES for m in modes if (i["id"], f, m) in present]

    def cases_by_category(self) -> List[Tuple[str, List[Tuple[str, str]]]]:
        """[(category, [(case, category)...])] in catalogue order."""
        seen: Dict[str, str] = {}
        for cell in self.cells:
            seen.setdefault(cell.case, cell.category)
        return [(cat, sorted(n for n, c in seen.items() if c == cat)) for cat in CATEGORIES
                if any(c == cat for c in seen.values())]

    def lookup(self) -> Dict[tuple, Cell]:
        return {c.key: c for c in self.cells}


def expand(paths: List[Path]) -> List[Path]:
    """Files as given; a folder stands for the results files (*.json) in it."""
    found: List[Path] = []
    for path in paths:
        found += sorted(path.glob("*.json")) if path.is_dir() else [path]
    return found


def _same_build(a: dict, b: dict) -> bool:
    return (a.get("executable"), a.get("soabi")) == (b.get("executable"), b.get("soabi"))


def merge(paths: List[Path]) -> Merged:
    """One set of cells; an interpreter seen again (same executable and ABI) has its
    cells replaced by the later file's, and two builds that share an id are both kept,
    the later one's id told apart by a digest of its executable."""
    interpreters: Dict[str, dict] = {}
    cells: Dict[tuple, Cell] = {}
    for path in expand(paths):
        results = Results.read(path)
        renamed = {}
        for entry in results.interpreters:
            entry = dict(entry)
            known = interpreters.get(entry["id"])
            if known is not None and not _same_build(known, entry):
                digest = hashlib.sha256(str(entry.get("executable")).encode()).hexdigest()[:6]
                renamed[entry["id"]] = entry["id"] = f"{entry['id']}@{digest}"
            interpreters[entry["id"]] = entry
        for cell in results.cells:
            if cell.interpreter in renamed:
                cell.interpreter = renamed[cell.interpreter]
            cells[cell.key] = cell
    for entry in interpreters.values():
        entry["parallel"] = parallel_of([c for c in cells.values()
                                         if c.interpreter == entry["id"]])
    def order(entry: dict) -> tuple:
        version = tuple(int(p) for p in str(entry.get("version", "0")).split(".") if p.isdigit())
        return (entry.get("implementation") != "cpython", version,
                bool(entry.get("free_threaded")), bool(entry.get("tsan")))
    return Merged(sorted(interpreters.values(), key=order), list(cells.values()))



def opt_in_rule(cells: List[Cell]) -> Tuple[str, List[str]]:
    """Judged on every interpreter, from the cells whose module declares nothing."""
    ruled = [c for c in cells if c.opt_in_rule]
    violated = [c for c in ruled if c.opt_in_rule == "violated"]
    if violated:
        return "violated", [f"{c.label}: a module that declares nothing ran with the GIL "
                            "measured off" for c in violated]
    honored = [c for c in ruled if c.opt_in_rule == "honored"]
    if honored and len(honored) == len(ruled):
        proofs = sorted({c.opt_in_proof for c in honored if c.opt_in_proof})
        example = next((p for p in proofs if p.startswith("GIL measured off")), proofs[0]
                       if proofs else "")
        return "honored", [f"{len(honored)} undeclared default-mode cells measured the GIL on",
                           f"e.g. {honored[0].label}: {example}"]
    if ruled:
        return "inconclusive", [f"{c.label}: the probe's control never overlapped"
                                for c in ruled if c.opt_in_rule == "inconclusive"]
    return "not-run", ["no undeclared face ran in default mode"]


def subinterp_rule(cells: List[Cell]) -> Tuple[str, List[str]]:
    """Did interpreters with their own GIL refuse every module that declares no
    per-interpreter GIL support? Judged from the subinterp mode's refusals."""
    tried = [c for c in cells if c.mode == "subinterp" and c.subinterp_rule]
    loaded = [c for c in tried if c.subinterp_rule == "violated"]
    if loaded:
        return "violated", [f"{c.label}: {c.refusal['module']} loaded" for c in loaded]
    if tried:
        modules = sorted({c.refusal["module"] for c in tried})
        return "honored", [f"{len(modules)} undeclared modules refused in {len(tried)} cells, "
                           f"e.g. {tried[0].refusal['error']}"]
    skipped = [c for c in cells if c.mode == "subinterp" and c.outcome == "skipped"]
    if skipped and all(c.evidence.startswith("mode subinterp") for c in skipped):
        return "skipped", [skipped[0].evidence]
    return "not-run", ["no subinterp cell ran"]


def build_kind(entry: dict, parallel: Optional[bool]) -> str:
    declared = "free-threaded" if entry.get("free_threaded") else "GIL build"
    if parallel and not entry.get("free_threaded"):
        return ("runs C code in parallel without declaring free threading "
                "(sysconfig says no Py_GIL_DISABLED)")
    if parallel is None:
        return f"{declared} (parallelism not measured)"
    return f"{declared}; measured {'parallel' if parallel else 'never parallel'}"


def in_plain_words(rule: str, parallel: Optional[bool]) -> str:
    if rule == "violated":
        return ("No: extensions that never opted in ran their C code in parallel threads "
                "by default")
    if rule == "honored":
        if parallel:
            return ("Yes: C code runs in parallel here, but an extension that does not opt "
                    "in gets the GIL back by default (measured)")
        return "Yes: no GIL-held C code ever ran in parallel here (measured)"
    if rule == "inconclusive":
        return "Not shown: the runs could not show that threads overlapped at all"
    return "Not run: no undeclared face ran in default mode"


def headline(entry: dict, cells: List[Cell]) -> Headline:
    rule, evidence = opt_in_rule(cells)
    own_gil, own_gil_evidence = subinterp_rule(cells)
    parallel = parallel_of(cells)
    ran = [c for c in cells if c.outcome in RAN]
    guarantees = [c for c in ran if c.category == "interpreter-guarantee"]
    reliant_off = [c for c in ran if c.category == "gil-reliant" and c.gil_enabled is False]
    verdicts: Dict[str, int] = {}
    for cell in cells:
        verdicts[cell.verdict] = verdicts.get(cell.verdict, 0) + 1
    return Headline(
        opt_in_rule=rule, opt_in_evidence=evidence,
        guarantees_held=Count(sum(c.outcome == "holds" for c in guarantees), len(guarantees)),
        power=Count(sum(c.outcome in BREAK_OUTCOMES for c in reliant_off), len(reliant_off)),
        false_alarms=[c.label for c in ran
                      if c.category == "opted-in" and c.outcome != "holds"],
        crashes=[c.label for c in ran if c.outcome == "crashed"],
        hangs=[c.label for c in ran if c.outcome == "hung"],
        unexpected=[f"{c.label} {c.outcome}" for c in ran
                    if c.verdict in ("unexpected-crash", "unexpected-hang")],
        gil_enabled_by=sorted({c.gil_enabled_by for c in cells
                               if c.mode == "default" and c.gil_enabled_by}),
        verdicts=verdicts, parallel=parallel, build_kind=build_kind(entry, parallel),
        in_plain_words=in_plain_words(rule, parallel), routes=routes(cells),
        subinterp_rule=own_gil, subinterp_evidence=own_gil_evidence,
    )


def headlines(merged: Merged) -> Dict[str, Headline]:
    return {i["id"]: headline(i, merged.cells_of(i["id"])) for i in merged.interpreters}


def crash_hang_text(head: Headline) -> str:
    total = f"{len(head.crashes)} crashed, {len(head.hangs)} hung"
    if not head.unexpected:
        return total + (" (all expected)" if head.crashes or head.hangs else "")
    return total + f"; unexpected: {', '.join(head.unexpected)}"


def modules_text(names: List[str]) -> str:
    """Module names, with the C-API faces' generated modules counted per face rather
    than listed."""
    per_face: Dict[str, int] = {}
    others = []
    for name in names:
        face = _generated_face(name)
        if face:
            per_face[face] = per_face.get(face, 0) + 1
        else:
            others.append(name)
    others += [f"the {face} face's module of {n} cases" for face, n in per_face.items()]
    return ", ".join(others) if others else "none"


def _generated_face(module: str) -> Optional[str]:
    """The C-API face whose generated module this is (longest suffix first)."""
    if not module.startswith("_gilcompat_"):
        return None
    faces = sorted((f for f in FACE_TABLE if f.is_capi), key=lambda f: -len(f.suffix))
    return next((f.name for f in faces if module.endswith(f.suffix)), None)


def gil_text(cell: Optional[Cell]) -> str:
    if cell is None or cell.gil_enabled is None:
        return ""
    return "GIL on" if cell.gil_enabled else "GIL off"


WITNESS_COLUMNS = ("both", "stress only", "tsan only", "neither")


def agreement(merged: Merged, interp_id: str) -> Dict[str, Dict[str, int]]:
    """For a TSan build: per category, cells where the stress check and TSan agreed
    (both saw a break, or neither did) and where they disagreed."""
    table: Dict[str, Dict[str, int]] = {}
    for cell in merged.cells_of(interp_id):
        if cell.tsan is None or cell.outcome not in RAN:
            continue
        column = {"both": "both", "stress": "stress only", "tsan": "tsan only"}.get(
            cell.witness or "", "neither")
        row = table.setdefault(cell.category, {c: 0 for c in WITNESS_COLUMNS})
        row[column] += 1
    return {cat: table[cat] for cat in CATEGORIES if cat in table}
