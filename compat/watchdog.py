"""The parent's hang watchdog: a deadlocked child is caught fast, a slow one by timeout.

A deadlock shows from outside as a process that has all but stopped using the CPU: a
stress run keeps its threads busy, a deadlocked one sleeps. "All but": on free-threaded
3.13 a thread waiting for a stop-the-world wakes every millisecond and gains a clock
tick now and then, so the rule is a CPU rate under 5% of one core over the last
``idle_s`` seconds, not zero. Reading that from ``/proc`` lets a case that hangs by
design cost about a second instead of its whole timeout. Where ``/proc`` is missing
only the timeout applies.
"""

import os
import time
from pathlib import Path
from collections import deque
from typing import Deque, Optional, Tuple

IDLE_CPU_SHARE = 0.05
TICKS_PER_S = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_ticks(pid: int) -> Optional[int]:
    """CPU ticks (user + system) used by all of ``pid``'s threads, or None if unreadable."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
        fields = text[text.rindex(")") + 2:].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return None


class HangWatch:
    """Feed it ``poll()`` regularly; it says why the child counts as hung, or None."""

    def __init__(self, pid: int, timeout_s: float, idle_s: float):
        self.pid, self.timeout_s, self.idle_s = pid, timeout_s, idle_s
        self.start = time.monotonic()
        self.samples: Deque[Tuple[float, int]] = deque()

    def poll(self) -> Optional[str]:
        now = time.monotonic()
        if now - self.start > self.timeout_s:
            return f"still running after the {self.timeout_s:g} s timeout"
        ticks = cpu_ticks(self.pid) if self.idle_s > 0 else None
        if ticks is None:
            return None
        self.samples.append((now, ticks))
        while len(self.samples) > 1 and now - self.samples[1][0] >= self.idle_s:
            self.samples.popleft()      # keep just over one window of samples
        first_time, first_ticks = self.samples[0]
        window = now - first_time
        if window >= self.idle_s:
            used_s = (ticks - first_ticks) / TICKS_PER_S
            if used_s <= IDLE_CPU_SHARE * window:
                return (f"deadlock: the process used {used_s * 1000:.0f} ms of CPU in "
                        f"the last {window:.1f} s")
        return None
