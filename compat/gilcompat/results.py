"""Cells, results files (schema 1) and writing them so an interrupted run keeps its work."""

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import List, Optional

from gilcompat.pythons.interpreter import Interpreter

SCHEMA = 1


@dataclass
class Cell:
    interpreter: str
    case: str
    category: str
    face: str
    mode: str
    outcome: str = "error"
    gil_enabled: Optional[bool] = None     # measured by the exclusion probe after the import:
                                           # None when inconclusive
    expected: Optional[str] = None
    verdict: str = "error"
    evidence: str = ""
    rounds: int = 0
    duration_s: float = 0.0
    # Added fields (the schema lets us add, never rename):
    expected_why: str = ""
    gil_enabled_by: Optional[str] = None   # module named by "GIL has been enabled" warning
    gil_enabled_after: Optional[bool] = None
    opt_in_rule: Optional[str] = None      # "honored" / "violated" where the rule applies
    declaration: Optional[str] = None      # "honored" / "ignored": a NOT_USED module's import
                                           # left the GIL off, or turned it on
    signal: Optional[str] = None
    witness: Optional[str] = None          # who saw the break: stress, tsan or both
    tsan: Optional[dict] = None            # ThreadSanitizer's reports (TSan builds)
    # The measured GIL (issue: measure, never take the interpreter's word):
    gil_reported: Optional[bool] = None    # sys._is_gil_enabled(); None where it has none
    exclusion: Optional[dict] = None       # the probe after the import: entries, overlaps,
                                           # control_entries, control_overlaps
    gil_before: Optional[bool] = None      # measured through the opted-in module first
    exclusion_before: Optional[dict] = None
    opt_in_proof: Optional[str] = None     # why "honored" is believed
    phase: Optional[str] = None            # where a crash, hang or error happened
    # The subinterp mode (per-interpreter GILs, PEP 684):
    subinterp_rule: Optional[str] = None   # "honored": an interpreter with its own GIL
                                           # refused the undeclared module; "violated"
    refusal: Optional[dict] = None         # module, refused, error
    # Detection power (corpus/power.py): the measurement that set this cell's rounds:
    power: Optional[dict] = None           # case, family, rounds, broken, rate_low,
                                           # budget, weak, miss (at the rounds run)
    hang_called_s: Optional[float] = None  # a hang: seconds from the start of the phase it
                                           # hung in to the watchdog calling it
    rounds_broken: Optional[int] = None    # rounds that showed the break (more than one
                                           # only when every round ran: bench/power.py)
    rerun: Optional[str] = None            # why this is a cell's second run (plan.py)

    @property
    def key(self) -> tuple:
        return (self.interpreter, self.case, self.face, self.mode)

    @property
    def label(self) -> str:
        """The cell as a report names it within one interpreter: ``case face/mode``."""
        return f"{self.case} {self.face}/{self.mode}"

    @classmethod
    def from_dict(cls, data: dict) -> "Cell":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def parallel_of(cells: List[Cell]) -> Optional[bool]:
    """Did GIL-held C code run in two threads of one interpreter at once? (The subinterp
    mode's interpreters each have a GIL of their own: parallel by design, not counted.)"""
    states = [s for c in cells if c.mode != "subinterp"
              for s in (c.gil_before, c.gil_enabled, c.gil_enabled_after) if s is not None]
    if not states:
        return None
    return not all(states)


@dataclass
class Results:
    interpreters: List[dict] = field(default_factory=list)
    cells: List[Cell] = field(default_factory=list)

    def add_interpreter(self, interp: Interpreter) -> None:
        entry = {"id": interp.id, "executable": interp.executable,
                 "implementation": interp.implementation, "version": interp.version,
                 "free_threaded": interp.free_threaded, "tsan": interp.tsan,
                 "debug": interp.debug, "soabi": interp.soabi,
                 "cffi_version": interp.cffi_version, "runner": interp.python}
        if all(i["id"] != interp.id for i in self.interpreters):
            self.interpreters.append(entry)

    def parallel(self, interp_id: str) -> Optional[bool]:
        """Measured: did any cell see GIL-held C code run in two threads at once?
        None when no cell measured anything."""
        return parallel_of([c for c in self.cells if c.interpreter == interp_id])

    def to_json(self) -> dict:
        interpreters = [{**i, "parallel": self.parallel(i["id"])} for i in self.interpreters]
        return {"schema": SCHEMA, "interpreters": interpreters,
                "cells": [asdict(c) for c in self.cells]}

    def write(self, path: Path) -> None:
        """Write atomically: a reader (or a crash mid-write) never sees half a file."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_text(json.dumps(self.to_json(), indent=1) + "\n")
        os.replace(partial, path)

    @classmethod
    def read(cls, path: Path) -> "Results":
        data = json.loads(Path(path).read_text())
        if data.get("schema") != SCHEMA:
            raise ValueError(f"{path}: field 'schema' is {data.get('schema')!r}; "
                             f"this gilcompat reads schema {SCHEMA}")
        return cls(list(data.get("interpreters", [])),
                   [Cell.from_dict(c) for c in data.get("cells", [])])
