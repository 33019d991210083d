"""Per interpreter, the opt-in rule route by route: each C-API face is one way a module
enters the interpreter (corpus/faces.py), and each is judged from its default-mode cells.

- an undeclared route is ``honored`` when every cell measured the GIL on, ``violated``
  when one measured it off;
- a route that declares ``Py_MOD_GIL_NOT_USED`` is ``honored`` when the GIL stayed off
  after the import (or the build never ran anything in parallel: nothing to turn off),
  ``violated`` when the import turned it on although the declaration said not to;
- ``skipped`` (the interpreter cannot have the route, with the reason), ``inconclusive``
  (the probe never saw threads overlap), ``error`` (no cell ran), ``not-run``.
"""

from dataclasses import dataclass
from typing import Dict, List

from gilcompat.corpus.faces import FACE_TABLE, declares_not_used
from gilcompat.results import Cell

RAN = ("holds", "broken", "crashed", "hung")


@dataclass(frozen=True)
class Route:
    face: str
    route: str            # multi-phase, single-phase, export
    declares: str
    verdict: str          # honored / violated / skipped / inconclusive / error
    detail: str           # the cell that violated, why skipped, or the proof

    def to_json(self) -> dict:
        return {"face": self.face, "route": self.route, "declares": self.declares,
                "verdict": self.verdict, "detail": self.detail}



def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def _declared_verdict(ran: List[Cell]) -> tuple:
    ignored = [c for c in ran if c.declaration == "ignored"]
    if ignored:
        return "violated", f"{ignored[0].label}: {_first_line(ignored[0].evidence)}"
    kept = [c for c in ran if c.declaration == "honored"]
    if kept:
        return "honored", (f"{len(kept)} cells measured the GIL still off after the import, "
                           f"e.g. {kept[0].label}")
    if all(c.gil_before for c in ran):
        return "honored", ("this build never ran GIL-held C code in parallel: the "
                           "declaration has nothing to turn off")
    return "inconclusive", f"{ran[0].label}: the GIL was not measured before and after"


def _undeclared_verdict(ran: List[Cell]) -> tuple:
    violated = [c for c in ran if c.opt_in_rule == "violated"]
    if violated:
        return "violated", f"{violated[0].label}: {_first_line(violated[0].evidence)}"
    honored = [c for c in ran if c.opt_in_rule == "honored"]
    if honored and len(honored) == len(ran):
        best = next((c for c in honored if c.exclusion and c.exclusion.get("busy")
                     and c.exclusion["busy"]["overlaps_before"]), None) or honored[0]
        return "honored", f"{len(honored)} cells measured the GIL on; {best.label}: " \
                          f"{best.opt_in_proof or ''}"
    unsure = next(c for c in ran if c.opt_in_rule != "honored")
    return "inconclusive", f"{unsure.label}: {_first_line(unsure.evidence)}"


def route_of(face: str, cells: List[Cell]) -> tuple:
    """(verdict, detail) of one face from its default-mode cells on one interpreter."""
    if not cells:
        return "not-run", "no default-mode cell"
    ran = [c for c in cells if c.outcome in RAN]
    if not ran:
        if all(c.outcome == "skipped" for c in cells):
            return "skipped", _first_line(cells[0].evidence)
        failed = next(c for c in cells if c.outcome == "error")
        return "error", f"{failed.label}: {_first_line(failed.evidence)}"
    if declares_not_used(face, cffi_declares=False):
        return _declared_verdict(ran)
    return _undeclared_verdict(ran)


def routes(cells: List[Cell]) -> List[Route]:
    """The C-API faces that have default-mode cells among ``cells``, in table order."""
    by_face: Dict[str, List[Cell]] = {}
    for cell in cells:
        if cell.mode == "default":
            by_face.setdefault(cell.face, []).append(cell)
    found = []
    for face in FACE_TABLE:
        if face.is_capi and face.name in by_face:
            verdict, detail = route_of(face.name, by_face[face.name])
            found.append(Route(face.name, face.route, face.declares, verdict, detail))
    return found
