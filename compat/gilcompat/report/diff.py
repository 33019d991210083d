"""``gilcompat report --diff OLD NEW``: the cells that changed, regressions first.

Exit status 1 when a new failure appeared (for nightly interpreter builds in CI): a cell
whose verdict is now ``violation``, ``unexpected-crash`` or ``unexpected-hang`` and was not
that before; a cell that was ``ok`` and is now ``undetected``, ``inconclusive`` or
``error``; a cell that disappeared; or an init route whose opt-in rule went from
``honored`` to ``violated``.
"""

from dataclasses import dataclass
from typing import List, Optional

from gilcompat.report.model import Merged
from gilcompat.report.routes import routes
from gilcompat.results import Cell
from gilcompat.run.expectations import PASSING_VERDICTS

FAILURES = ("violation", "unexpected-crash", "unexpected-hang")
LOST_GROUND = ("undetected", "inconclusive", "error")     # after "ok"


@dataclass
class Change:
    key: tuple
    old: Optional[Cell]
    new: Optional[Cell]

    @property
    def kind(self) -> str:
        old_ok = self.old is None or self.old.verdict in PASSING_VERDICTS
        new_ok = self.new is None or self.new.verdict in PASSING_VERDICTS
        if old_ok and not new_ok:
            return "regression"
        if not old_ok and new_ok:
            return "fixed"
        return "changed"

    @property
    def new_failure(self) -> bool:
        if self.new is None:
            return self.old is not None and self.old.verdict != "skipped"
        if self.new.verdict in FAILURES:
            return self.old is None or self.old.verdict != self.new.verdict
        return (self.old is not None and self.old.verdict == "ok"
                and self.new.verdict in LOST_GROUND)

    def describe(self) -> str:
        def side(cell):
            if cell is None:
                return "absent"
            gil = {True: "GIL on", False: "GIL off"}.get(cell.gil_enabled, "GIL ?")
            return f"{cell.outcome}/{cell.verdict} ({gil})"
        interp, case, face, mode = self.key
        text = f"{self.kind:10} {interp} {case} {face}/{mode}: {side(self.old)} -> {side(self.new)}"
        if self.new is not None and self.kind == "regression" and self.new.evidence:
            text += "\n" + "\n".join("    " + l for l in self.new.evidence.splitlines()[:6])
        return text


_ORDER = {"regression": 0, "changed": 1, "fixed": 2}


def changes(old: Merged, new: Merged) -> List[Change]:
    before, after = old.lookup(), new.lookup()
    found = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a is None or b is None or (a.outcome, a.verdict, a.gil_enabled) != \
                (b.outcome, b.verdict, b.gil_enabled):
            found.append(Change(key, a, b))
    return sorted(found, key=lambda c: (not c.new_failure, _ORDER[c.kind], c.key))


@dataclass
class RouteChange:
    interpreter: str
    face: str
    old: str
    new: str
    detail: str

    @property
    def new_failure(self) -> bool:
        return self.old == "honored" and self.new == "violated"

    def describe(self) -> str:
        kind = "regression" if self.new_failure else "changed"
        return (f"{kind:10} {self.interpreter} route {self.face}: {self.old} -> {self.new}"
                f"\n    {self.detail}")


def route_changes(old: Merged, new: Merged) -> List[RouteChange]:
    """Init routes whose verdict changed, per interpreter present in both."""
    found = []
    for entry in new.interpreters:
        before = {r.face: r for r in routes(old.cells_of(entry["id"]))}
        for route in routes(new.cells_of(entry["id"])):
            was = before.get(route.face)
            if was is not None and was.verdict != route.verdict:
                found.append(RouteChange(entry["id"], route.face, was.verdict,
                                         route.verdict, route.detail))
    return sorted(found, key=lambda c: (not c.new_failure, c.interpreter, c.face))


def render(found: List[Change], moved: List[RouteChange] = ()) -> str:
    if not found and not moved:
        return "no cell changed"
    new_failures = sum(c.new_failure for c in found)
    lines = [c.describe() for c in moved if c.new_failure]
    lines += [c.describe() for c in found]
    lines += [c.describe() for c in moved if not c.new_failure]
    lines.append(f"\n{len(found)} cells changed; {new_failures} new guarantee failures; "
                 f"{sum(c.new_failure for c in moved)} routes went from honored to violated")
    return "\n".join(lines)
