"""The parent's hang watchdog: a deadlocked child is caught fast, a slow one by timeout.

A deadlock shows from outside as a process that has all but stopped: its threads sleep
and its CPU time hardly moves (see HangWatch for the two rules: blocked for good, seen
within case.toml's ``idle``, 0.15 s by default; polling waiters, seen over a second).
A working stress run uses a whole core or more; one starved by a loaded machine is
runnable, not asleep. Reading that from ``/proc`` every 10 ms lets a case that hangs by
design cost a fraction of a second instead of its whole timeout. Where ``/proc`` is
missing only the timeout applies.
"""

import os
import time
from pathlib import Path
from collections import deque
from typing import Deque, NamedTuple, Optional, Tuple

IDLE_CPU_SHARE = 0.25
ASLEEP_SHARE = 0.5
SLOW_WINDOW_S = 1.0
FAST_ASLEEP_SHARE = 0.9     # a waiter's wake-up may show in a sample now and then
_ASLEEP = ("S", "D")
TICKS_PER_S = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_and_asleep(pid: int) -> Optional[Tuple[int, bool]]:
    """(CPU ticks of the child and its descendants, whether every thread of them
    sleeps), or None if unreadable. Descendants count: an interpreter started through a
    launcher (a pyenv shim is a shell script) runs in a child of the watched process,
    which just waits. The ticks are each process's own total, which keeps the time of
    threads that already ended (a sum over live threads would drop as they end)."""
    total, asleep = 0, True
    pending, seen = [pid], set()
    while pending:
        current = pending.pop()
        seen.add(current)
        try:
            total += _ticks(_stat_fields(Path(f"/proc/{current}/stat")))
            for task in Path(f"/proc/{current}/task").iterdir():
                asleep = asleep and _stat_fields(task / "stat")[0] in _ASLEEP
                pending += [int(c) for c in _children(task) if int(c) not in seen]
        except (OSError, ValueError, IndexError):
            if current == pid:
                return None
            # a descendant that just ended: what it used is gone from the sum
    return total, asleep


def _stat_fields(path: Path) -> list:
    """A /proc stat file's fields after the command name: state first."""
    text = path.read_text()
    return text[text.rindex(")") + 2:].split()


def _ticks(fields: list) -> int:
    return int(fields[11]) + int(fields[12])      # utime + stime


def _children(task: Path) -> list:
    try:
        return (task / "children").read_text().split()
    except OSError:
        return []


class HangWatch:
    """Feed it ``poll()`` regularly; it says why the child counts as hung, or None.

    Two rules. Fast, over ``idle_s``: at most one clock tick of CPU (10 ms) and every
    thread asleep in nine samples of ten: threads blocked for good (a lock, a futex) are seen
    within ``idle_s`` of blocking. Slow, over SLOW_WINDOW_S: under IDLE_CPU_SHARE of a
    core and every thread asleep in at least ASLEEP_SHARE of the samples: waiters that
    poll (a free-threaded stop-the-world wakes every millisecond; PyPy's GIL waiters in
    a deadlock used 210-240 ms of CPU a second, measured) are still caught, a second
    later. A phase that just sleeps a
    little between work (sleep loops, threads ending) meets neither."""

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
        slow_s = max(self.idle_s, SLOW_WINDOW_S)
        while len(self.samples) > 1 and now - self.samples[1][0] >= slow_s:
            self.samples.popleft()      # keep just over the longest window of samples
        fast = self._window(now, self.idle_s)
        if fast and fast.ticks <= 1 and fast.asleep >= FAST_ASLEEP_SHARE:
            return fast.text()
        slow = self._window(now, slow_s)
        if slow and slow.ticks / TICKS_PER_S <= IDLE_CPU_SHARE * slow.seconds \
                and slow.asleep >= ASLEEP_SHARE:
            return slow.text()
        return None

    def _window(self, now: float, seconds: float) -> Optional["Window"]:
        """The samples since the newest one at least ``seconds`` old; None if none is."""
        old = [k for k, sample in enumerate(self.samples) if now - sample[0] >= seconds]
        if not old:
            return None
        inside = list(self.samples)[old[-1]:]
        return Window(now - inside[0][0], inside[-1][1] - inside[0][1],
                      sum(s[2] for s in inside) / len(inside))


class Window(NamedTuple):
    seconds: float      # how long the samples span
    ticks: int          # CPU clock ticks used over them
    asleep: float       # share of samples with every thread asleep

    def text(self) -> str:
        return (f"deadlock: threads asleep and {self.ticks * 1000 / TICKS_PER_S:.0f} ms of "
                f"CPU used in the last {self.seconds:.2f} s")
