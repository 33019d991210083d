"""Cells, results files (schema 1) and writing them so an interrupted run keeps its work."""

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import List, Optional

from compat.interpreters import Interpreter

SCHEMA = 1


@dataclass
class Cell:
    interpreter: str
    case: str
    category: str
    face: str
    mode: str
    outcome: str = "error"
    gil_enabled: Optional[bool] = None     # measured in the child after the face's import
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
    signal: Optional[str] = None
    witness: Optional[str] = None          # who saw the break: stress, tsan or both
    tsan: Optional[dict] = None            # ThreadSanitizer's reports (TSan builds)

    @property
    def key(self) -> tuple:
        return (self.interpreter, self.case, self.face, self.mode)

    @classmethod
    def from_dict(cls, data: dict) -> "Cell":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Results:
    interpreters: List[dict] = field(default_factory=list)
    cells: List[Cell] = field(default_factory=list)

    def add_interpreter(self, interp: Interpreter) -> None:
        entry = {"id": interp.id, "executable": interp.executable,
                 "implementation": interp.implementation, "version": interp.version,
                 "free_threaded": interp.free_threaded, "tsan": interp.tsan,
                 "cffi_version": interp.cffi_version, "runner": interp.python}
        if all(i["id"] != interp.id for i in self.interpreters):
            self.interpreters.append(entry)

    def to_json(self) -> dict:
        return {"schema": SCHEMA, "interpreters": self.interpreters,
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
