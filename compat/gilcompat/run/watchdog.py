"""The parent's hang watchdog: a deadlocked child is caught fast, a slow one by timeout.

A deadlock shows from outside as a process that has all but stopped: its threads sleep
and its CPU time hardly moves. "Hardly": a thread waiting for a stop-the-world on
free-threaded 3.13 wakes every millisecond, and PyPy's threads waiting for its GIL poll
(up to about 12% of a core, measured), so the rule over the last ``idle_s`` seconds is:
under 25% of one core used, and every thread asleep in at least half of the samples. A
working stress run uses a whole core or more; one starved by a loaded machine is
runnable, not asleep. Reading that from ``/proc`` every 10 ms over a 0.15 s window
(case.toml's ``idle``) lets a case that hangs by design be called hung within 0.2 s
of its threads blocking, instead of its whole timeout. Where ``/proc`` is missing only the
timeout applies.
"""

import os
import time
from pathlib import Path
from collections import deque
from typing import Deque, Optional, Tuple

IDLE_CPU_SHARE = 0.25
ASLEEP_SHARE = 0.5
_ASLEEP = ("S", "D")
TICKS_PER_S = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_and_asleep(pid: int) -> Optional[Tuple[int, bool]]:
    """(CPU ticks of all threads of the child and its descendants, whether every one of
    them sleeps), or None if unreadable. Descendants count: an interpreter started
    through a launcher (a pyenv shim is a shell script) runs in a child of the watched
    process, which just waits."""
    total, asleep = 0, True
    pending, seen = [pid], set()
    try:
        while pending:
            current = pending.pop()
            seen.add(current)
            for task in Path(f"/proc/{current}/task").iterdir():
                text = (task / "stat").read_text()
                fields = text[text.rindex(")") + 2:].split()
                asleep = asleep and fields[0] in _ASLEEP
                total += int(fields[11]) + int(fields[12])
                pending += [int(c) for c in _children(task) if int(c) not in seen]
    except (OSError, ValueError, IndexError):
        return None if current == pid else (total, asleep)   # a descendant just ended
    return total, asleep


def _children(task: Path) -> list:
    try:
        return (task / "children").read_text().split()
    except OSError:
        return []


class HangWatch:
    """Feed it ``poll()`` regularly; it says why the child counts as hung, or None."""

    def __init__(self, pid: int, timeout_s: float, idle_s: float):
        self.pid, self.timeout_s, self.idle_s = pid, timeout_s, idle_s
        self.start = time.monotonic()
        self.samples: Deque[Tuple[float, int, bool]] = deque()

    def poll(self) -> Optional[str]:
        now = time.monotonic()
        if now - self.start > self.timeout_s:
            return f"still running after the {self.timeout_s:g} s timeout"
        sample = cpu_and_asleep(self.pid) if self.idle_s > 0 else None
        if sample is None:
            return None
        self.samples.append((now, *sample))
        while len(self.samples) > 1 and now - self.samples[1][0] >= self.idle_s:
            self.samples.popleft()      # keep just over one window of samples
        first_time, first_ticks, _ = self.samples[0]
        window = now - first_time
        if window < self.idle_s:
            return None
        used_s = (sample[0] - first_ticks) / TICKS_PER_S
        asleep = sum(s[2] for s in self.samples) / len(self.samples)
        if used_s <= IDLE_CPU_SHARE * window and asleep >= ASLEEP_SHARE:
            return (f"deadlock: threads asleep and {used_s * 1000:.0f} ms of CPU used "
                    f"in the last {window:.1f} s")
        return None
