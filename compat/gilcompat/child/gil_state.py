"""The GIL's state as a run observes it, and as the interpreter reports it.

``measure`` runs the exclusion probe that every case's shared object carries: threads,
released together, call a region of C code that "holds the GIL" the way the face's C
code does, and count the entries that found another thread inside. In windows of the
same shape, alternating with those, the same threads call the control: the same region
with the GIL released. The GIL counts as on only when the control's overlap rate says
the held region would have overlapped EXPECTED times had nothing excluded it; a control
that never overlaps means the machine gave no concurrency and the measurement says
nothing (``gil`` is None).

Runs in the child: standard library only.
"""

import mmap
import sys
import threading
import time

THREADS = 4
ENTRIES = 100         # region entries per C call (a call lasts ~0.1 ms: longer than a
                      # GIL hand-off, so the control can overlap even with a GIL)
SPIN = 2000           # spin iterations inside each entry
ENOUGH = 8            # control overlaps that show the threads had concurrency
EXPECTED = 20         # overlaps the held region would have shown without a GIL
WINDOW_S = 0.003      # each window, counted from when every thread is calling
DEADLINE_S = 0.5      # a loaded machine may need long to give the threads concurrency
_GIL_WARNING = "has been enabled to load module '"
MEASURED = None       # the probe's finding after the face's import (set by the cell)


def gil_reported():
    """What the interpreter says (``sys._is_gil_enabled()``), None where it cannot say."""
    probe = getattr(sys, "_is_gil_enabled", None)
    return bool(probe()) if probe else None


def module_named_in(message):
    """The module a 'GIL has been enabled to load module' warning names, else None."""
    start = message.find(_GIL_WARNING)
    if start < 0:
        return None
    start += len(_GIL_WARNING)
    end = message.find("'", start)
    return message[start:end] if end > start else None


def _window(call, stop_at):
    """(entries, overlaps): THREADS threads, released together, calling
    ``call(ENTRIES, SPIN)`` from when the last of them started, for WINDOW_S or until
    ``stop_at`` overlaps were seen."""
    barrier = threading.Barrier(THREADS)
    lock = threading.Lock()
    tally = {"started": 0, "all_started": None, "entries": 0, "overlaps": 0}

    def body():
        barrier.wait()
        with lock:
            tally["started"] += 1
            if tally["started"] == THREADS:
                tally["all_started"] = time.monotonic()
        # Nobody calls before everyone is here: with a GIL, threads calling the held
        # region hand the GIL over only between calls, and a thread still on its way
        # out of the barrier could wait tens of milliseconds for a turn. A whole probe
        # of a cffi module on 3.13t with PYTHON_GIL=1 took 16 ms (median of 40; 74 ms
        # at the 90th percentile), 7.3 ms (7.8) once the threads waited here. sleep(0)
        # hands the GIL or the core to the late one; an Event instead let the woken
        # threads start apart, and one probe in 60 with the GIL off then read "on".
        while tally["all_started"] is None:
            time.sleep(0)
        while True:
            found = call(ENTRIES, SPIN)
            with lock:
                tally["entries"] += ENTRIES
                tally["overlaps"] += found
                if tally["overlaps"] >= stop_at:
                    return
            if time.monotonic() - tally["all_started"] > WINDOW_S:
                return

    threads = [threading.Thread(target=body, name=f"gilcompat-probe-{i}", daemon=True)
               for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally["entries"], tally["overlaps"]


class Gate:
    """A barrier for threads in different interpreters, which share no object: one
    byte per thread in a small file that every interpreter maps into memory."""

    def __init__(self, path, threads):
        self.threads = threads
        with open(path, "r+b") as handle:
            self.map = mmap.mmap(handle.fileno(), threads)

    def reset(self):
        self.map[:self.threads] = bytes(self.threads)

    def wait(self, slot, deadline_s):
        """Mark ``slot`` arrived, then wait for every thread; False after ``deadline_s``."""
        self.map[slot] = 1
        everyone = b"\x01" * self.threads
        limit = time.monotonic() + deadline_s
        while self.map[:self.threads] != everyone:
            if time.monotonic() > limit:
                return False
            time.sleep(0)       # let the threads not yet here have the cores
        return True


def make_gate(path, threads):
    with open(path, "wb") as handle:
        handle.write(bytes(threads))
    return Gate(path, threads)


def gated_window(call, gate, slot, stop_at):
    """One thread's part of a window whose threads cannot share a barrier (each runs in
    an interpreter of its own): once every thread has reached ``gate``, call
    ``call(ENTRIES, SPIN)`` for WINDOW_S or until ``stop_at`` overlaps;
    [entries, overlaps, whether every thread came]."""
    if not gate.wait(slot, DEADLINE_S):
        return [0, 0, False]
    entries = overlaps = 0
    until = time.monotonic() + WINDOW_S
    while True:
        overlaps += call(ENTRIES, SPIN)
        entries += ENTRIES
        if overlaps >= stop_at or time.monotonic() >= until:
            return [entries, overlaps, True]


def _alternate(held_window, free_window):
    """Control and held windows of the same shape, one after the other, until the held
    region overlapped (the GIL is off), or the control's overlap rate says the held
    region would have shown EXPECTED overlaps had nothing excluded it (the GIL is on),
    or DEADLINE_S passed (inconclusive)."""
    totals = {"entries": 0, "overlaps": 0, "control_entries": 0, "control_overlaps": 0}
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        entries, overlaps = free_window(ENOUGH)
        totals["control_entries"] += entries
        totals["control_overlaps"] += overlaps
        entries, overlaps = held_window(1)
        totals["entries"] += entries
        totals["overlaps"] += overlaps
        if _finding(totals) is not None:
            break
    return totals


def _finding(totals):
    """False: the held region overlapped; True: it never did although the control's
    overlap rate expected EXPECTED overlaps; None: not settled (yet)."""
    if totals["overlaps"]:
        return False
    rate = totals["control_overlaps"] / max(totals["control_entries"], 1)
    if totals["control_overlaps"] >= ENOUGH and rate * totals["entries"] >= EXPECTED:
        return True
    return None


def measure(held, free):
    """The probe's finding: {"gil", "entries", "overlaps", "control_entries",
    "control_overlaps"}.

    ``gil`` is ``_finding``'s answer once the windows end: None means inconclusive."""
    return measure_with(lambda stop_at: _window(held, stop_at),
                        lambda stop_at: _window(free, stop_at))


def measure_again_if_disputed(held, free):
    """``measure``, and once more when it found the GIL on while the interpreter reports
    it off. "On" is an inference from overlaps that did not happen; on a slow build
    (ThreadSanitizer: 1 cell in about 600 a run) the held region has gone a whole probe
    without an overlap that a second probe at once then showed. An overlap seen is
    proof the GIL does not exclude, so the second probe's overlaps settle it; without
    any, the first finding stands. The first measurement is kept under ``disputed``."""
    first = measure(held, free)
    if not (first["gil"] and gil_reported() is False):
        return first
    second = measure(held, free)
    kept = second if second["overlaps"] else first
    return {**kept, "disputed": first, "again": second["gil"]}


def measure_with(held_window, free_window):
    """``measure`` with windows of the caller's own making: ``held_window(stop_at)``
    and ``free_window(stop_at)`` return (entries, overlaps) as ``_window`` does (the
    subinterp mode runs each thread's part in an interpreter of its own)."""
    # A short switch interval lets every thread start within the deadline where a GIL
    # makes them take turns; restored at once, so the case's stress never sees it.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    try:
        totals = _alternate(held_window, free_window)
    finally:
        sys.setswitchinterval(interval)
    return {"gil": _finding(totals), **totals}
