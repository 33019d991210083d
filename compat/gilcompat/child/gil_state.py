"""The GIL's state as a run observes it, and as the interpreter reports it.

``measure`` runs the exclusion probe that every case's shared object carries: threads,
released together, call a region of C code that "holds the GIL" the way the face's C
code does, and count the entries that found another thread inside. At the same time as
many threads call the control, the same region with the GIL released; unless the
control overlaps (ENOUGH times) in that same window, the machine gave the threads no
concurrency and the measurement says nothing (``gil`` is None).

Runs in the child: standard library only.
"""

import sys
import threading
import time

THREADS = 4           # calling the held region; as many again call the control
ENTRIES = 100         # region entries per C call (a call lasts ~0.1 ms: longer than a
                      # GIL hand-off, so the control can overlap even with a GIL)
SPIN = 2000           # spin iterations inside each entry
ENOUGH = 8            # overlaps that settle it: held ones (off), or control ones (on)
WINDOW_S = 0.003      # at least this long with every thread calling
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


class _Tally:
    """Entries and overlaps of each region, shared by the probe's threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.started = 0
        self.all_started = None
        self.entries = {"held": 0, "free": 0}
        self.overlaps = {"held": 0, "free": 0}

    def settled(self, now):
        if self.overlaps["held"] >= ENOUGH:
            return True     # the GIL is off: nothing more to learn
        began = self.all_started
        return (began is not None and now - began > WINDOW_S
                and self.overlaps["free"] >= ENOUGH)

    def starved(self, now):
        """The window has passed and the control has still not overlapped enough."""
        began = self.all_started
        return began is not None and now - began > WINDOW_S and self.overlaps["free"] < ENOUGH


def _run(held, free):
    """THREADS threads call the held region and THREADS the control, all released
    together, until the tally is settled or DEADLINE_S passed."""
    barrier = threading.Barrier(2 * THREADS)
    tally = _Tally()

    def body(kind, call):
        barrier.wait()
        with tally.lock:
            tally.started += 1
            if tally.started == 2 * THREADS:
                tally.all_started = time.monotonic()
        deadline = time.monotonic() + DEADLINE_S
        while True:
            found = call(ENTRIES, SPIN)
            with tally.lock:
                tally.entries[kind] += ENTRIES
                tally.overlaps[kind] += found
            now = time.monotonic()
            if now > deadline or tally.settled(now):
                return
            if kind == "held" and tally.starved(now):
                # A GIL that the held threads keep passing among themselves (PyPy's,
                # seen: 0 control overlaps in 0.5 s) must let the control in too.
                time.sleep(0)

    threads = [threading.Thread(target=body, args=(kind, call), daemon=True,
                                name=f"gilcompat-probe-{kind}-{i}")
               for kind, call in (("held", held), ("free", free)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def measure(held, free):
    """The probe's finding: {"gil", "entries", "overlaps", "control_entries",
    "control_overlaps"}.

    ``gil`` is True when the held region never overlapped while the control did, False
    when it overlapped, None when the control never did (inconclusive)."""
    # A short switch interval lets every thread start within the deadline where a GIL
    # makes them take turns; restored at once, so the case's stress never sees it.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    try:
        tally = _run(held, free)
    finally:
        sys.setswitchinterval(interval)
    overlaps, control = tally.overlaps["held"], tally.overlaps["free"]
    if overlaps:
        gil = False
    elif control >= ENOUGH:
        gil = True
    else:
        gil = None
    return {"gil": gil, "entries": tally.entries["held"], "overlaps": overlaps,
            "control_entries": tally.entries["free"], "control_overlaps": control}
