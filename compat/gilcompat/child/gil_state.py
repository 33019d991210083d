"""The GIL's state as a run observes it, and as the interpreter reports it.

``measure`` runs the exclusion probe that every case's shared object carries: threads,
released together, call a region of C code that "holds the GIL" the way the face's C
code does, and count the entries that found another thread inside. The control calls
the same region with the GIL released; unless the control overlaps, the machine gave
the threads no concurrency and the measurement says nothing (``gil`` is None).

Runs in the child: standard library only.
"""

import sys
import threading
import time

THREADS = 4
ENTRIES = 100         # region entries per C call (a call lasts ~0.1 ms: longer than a
                      # GIL hand-off, so the control can overlap even with a GIL)
SPIN = 2000           # spin iterations inside each entry
ENOUGH = 8            # overlaps that settle a run early
WINDOW_S = 0.003      # how long every thread keeps calling once all of them are calling
DEADLINE_S = 0.05     # per run (held or control), whatever happens
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


def _overlaps(call):
    """(entries, overlaps): THREADS threads call ``call(ENTRIES, SPIN)`` until ENOUGH
    overlaps were seen, or WINDOW_S after the last of them started calling, or
    DEADLINE_S after the first did."""
    barrier = threading.Barrier(THREADS)
    lock = threading.Lock()
    state = {"started": 0, "all_started": None, "deadline": None,
             "entries": 0, "overlaps": 0}

    def body():
        barrier.wait()
        with lock:
            state["started"] += 1
            now = time.monotonic()
            state["deadline"] = state["deadline"] or now + DEADLINE_S
            if state["started"] == THREADS:
                state["all_started"] = now
        while True:
            found = call(ENTRIES, SPIN)
            with lock:
                state["entries"] += ENTRIES
                state["overlaps"] += found
                if state["overlaps"] >= ENOUGH:
                    return
            now = time.monotonic()
            began = state["all_started"]
            if now > state["deadline"] or (began is not None and now - began > WINDOW_S):
                return

    threads = [threading.Thread(target=body, name=f"gilcompat-probe-{i}", daemon=True)
               for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return state["entries"], state["overlaps"]


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
        control_entries, control = _overlaps(free)
        entries, overlaps = _overlaps(held)
    finally:
        sys.setswitchinterval(interval)
    if overlaps:
        gil = False
    elif control:
        gil = True
    else:
        gil = None
    return {"gil": gil, "entries": entries, "overlaps": overlaps,
            "control_entries": control_entries, "control_overlaps": control}
