"""ThreadSanitizer as a second witness: its reports for a cell, parsed.

A stress check sees a broken guarantee only when the race lands in its window; TSan
sees the race itself. On a TSan build each cell's child writes its reports to its own
log (``TSAN_OPTIONS=log_path=...``); this module reads them: how many, and for each the
two stacks' top frames, and where it lies: in the case's own C source, in the
interpreter, or on freed memory. Races in the interpreter are reported apart and never
blamed on the case.
"""

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import List, Optional

SUPPRESSIONS = Path(__file__).resolve().parent / "tsan_suppressions.txt"
TSAN_EXIT_CODE = 66

_HEADER = re.compile(r"WARNING: ThreadSanitizer: (?P<kind>.+?) \(pid=\d+\)")
_ACCESS = re.compile(r"^  (?P<what>[A-Z][\w ]*?)(?: of size \d+)? at 0x[0-9a-f]+ by "
                     r"(?P<thread>main thread|thread T\d+)")
_FRAME = re.compile(r"^\s+#(?P<n>\d+) (?P<func>\S+) (?P<loc>\S+)")
FRAMES_LOOKED_AT = 4
_RUNTIME_MARKS = ("libsanitizer", "sanitizer_common", "tsan_interceptors")     # a race in an inlined Py_INCREF is still the case's own


@dataclass
class Stack:
    access: str               # "Write", "Previous read", ...
    thread: str
    frames: List[str] = field(default_factory=list)     # "func file:line"

    @property
    def top(self) -> str:
        """The first frame outside TSan's own interceptors (snprintf, memcpy, ...)."""
        own = [f for f in self.frames if not any(m in f for m in _RUNTIME_MARKS)]
        return (own or self.frames or ["?"])[0]


@dataclass
class Report:
    kind: str                 # "data race", "heap-use-after-free", ...
    stacks: List[Stack]
    freed: bool
    where: str = "interpreter"     # "case", "interpreter" or "freed"

    def to_json(self) -> dict:
        return {"kind": self.kind, "where": self.where, "freed": self.freed,
                "top_frames": [s.top for s in self.stacks[:2]]}


def parse(text: str) -> List[Report]:
    """Every report in a TSan log."""
    reports: List[Report] = []
    current: Optional[Report] = None
    stack: Optional[Stack] = None
    for line in text.splitlines():
        header = _HEADER.search(line)
        if header:
            current = Report(header.group("kind"), [], "use-after-free" in header.group("kind"))
            reports.append(current)
            stack = None
            continue
        if current is None:
            continue
        access = _ACCESS.match(line)
        if access:
            stack = Stack(access.group("what"), access.group("thread"))
            current.stacks.append(stack)
        elif stack is not None and _FRAME.match(line):
            frame = _FRAME.match(line)
            stack.frames.append(f"{frame.group('func')} {frame.group('loc')}")
        elif line.startswith("  Location is heap block") and "freed" in line:
            current.freed = True
        elif not line.startswith("    "):
            stack = None
    return reports


def classify(report: Report, case_folders) -> Report:
    """Where the report's top frames are: the case's own C (in any of
    ``case_folders``), the interpreter's, or freed memory."""
    folders = [str(f) for f in case_folders]
    in_case = any(folder in frame for s in report.stacks[:2]
                  for frame in s.frames[:FRAMES_LOOKED_AT] for folder in folders)
    report.where = "case" if in_case else ("freed" if report.freed else "interpreter")
    return report


@dataclass
class Witness:
    races: int
    in_case: int
    reports: List[Report]

    def to_json(self) -> dict:
        return {"races": self.races, "in_case": self.in_case,
                "in_interpreter": sum(r.where == "interpreter" for r in self.reports),
                "on_freed_memory": sum(r.freed for r in self.reports),
                "reports": [r.to_json() for r in self.reports]}

    def evidence(self) -> str:
        mine = [r for r in self.reports if r.where == "case"]
        if not mine:
            return ""
        first = mine[0]
        tops = " / ".join(s.top for s in first.stacks[:2])
        # "Through": the case's C is among the top frames; the race itself may be in
        # interpreter code it called (an interpreter guarantee's break looks like that).
        return (f"ThreadSanitizer: {len(mine)} report(s) through the case's own code; "
                f"first: {first.kind}: {tops}")


def read_logs(folder: Path, case_folders) -> Witness:
    reports: List[Report] = []
    for log in sorted(folder.glob("tsan.*")):
        reports += [classify(r, case_folders) for r in parse(log.read_text(errors="replace"))]
    return Witness(len(reports), sum(r.where == "case" for r in reports), reports)


def options(log_dir: Path) -> str:
    """TSAN_OPTIONS for a cell's child."""
    # atexit_sleep_ms=0: by default TSan sleeps a second in the exit of a process with
    # threads still alive (measured: gilstate_at_finalize's exit 0.5 s, 1.45 s with the
    # sleep), every thread asleep, which the watchdog rightly calls a deadlock. Races
    # with the interpreter's finalization come before it and are reported without it.
    parts = [f"log_path={log_dir / 'tsan'}", "halt_on_error=0",
             f"exitcode={TSAN_EXIT_CODE}", "history_size=4", "atexit_sleep_ms=0"]
    if SUPPRESSIONS.exists():
        parts.append(f"suppressions={SUPPRESSIONS}")
    return " ".join(parts)
