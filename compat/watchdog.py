"""The parent's hang watchdog: a deadlocked child is caught fast, a slow one by timeout.

A deadlock shows from outside as a process whose every thread sleeps while its CPU time
stands still. Reading that from ``/proc`` lets a case that hangs by design cost about a
second instead of its whole timeout. Where ``/proc`` is missing only the timeout applies.
"""

import os
import time
from pathlib import Path
from typing import Optional, Tuple

_ASLEEP = ("S", "D")


def cpu_and_asleep(pid: int) -> Optional[Tuple[int, bool]]:
    """(CPU ticks of all threads, whether every thread sleeps), or None if unreadable."""
    total, asleep = 0, True
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        for task in tasks:
            text = (task / "stat").read_text()
            fields = text[text.rindex(")") + 2:].split()
            asleep = asleep and fields[0] in _ASLEEP
            total += int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return None
    return total, asleep


class HangWatch:
    """Feed it ``poll()`` regularly; it says why the child counts as hung, or None."""

    def __init__(self, pid: int, timeout_s: float, idle_s: float):
        self.pid, self.timeout_s, self.idle_s = pid, timeout_s, idle_s
        self.start = time.monotonic()
        self.last_ticks: Optional[int] = None
        self.idle_since: Optional[float] = None

    def poll(self) -> Optional[str]:
        now = time.monotonic()
        if now - self.start > self.timeout_s:
            return f"still running after the {self.timeout_s:g} s timeout"
        sample = cpu_and_asleep(self.pid) if self.idle_s > 0 else None
        if sample is None:
            return None
        ticks, asleep = sample
        if asleep and ticks == self.last_ticks:
            self.idle_since = self.idle_since or now
            if now - self.idle_since >= self.idle_s:
                return (f"deadlock: every thread asleep and no CPU used for "
                        f"{now - self.idle_since:.1f} s")
        else:
            self.idle_since = None
        self.last_ticks = ticks
        return None


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False
