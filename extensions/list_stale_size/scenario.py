"""Thread 0 keeps popping a 16-item list down to 9 items and appending fresh items
back; the other threads loop over it with a size taken once at the start of each loop.
No read may see a popped (freed, poisoned) item.

Overlap is counted, not hoped for: wake-ups are staggered, and on a loaded machine the
mutator and a reader may share a core, taking turns a time slice at a time. With the GIL
off, readers go on past `iterations` loops until MIN_OVERLAPS of their loops (in all)
saw the mutator pop or append meanwhile. With a GIL no loop can overlap a mutation (each
C call holds it throughout): there is nothing to wait for."""

import sys
import threading
import time

CHUNK = 100             # loops per ls_read call
PASSES = 200            # mutator passes per ls_churn call
MIN_OVERLAPS = 50

# GIL_HANDOVER: with a GIL, each call ends with time.sleep(0), which really lets a
# waiting thread take the GIL (a thread that drops and retakes it at once in a loop of
# short C calls can starve the others for seconds). Without a GIL nothing is handed
# over, and no thread yields at safe points: a thread preempted inside its window is a
# race shown even where the threads share a core.


def setup(ext):
    sys.setswitchinterval(1e-4)     # with a GIL, hand it over quickly (own process)
    items = []
    if ext.ls_fill(items) != 16:
        raise RuntimeError("ls_fill did not fill the list")
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    return {"list": items, "gil": gil, "churning": threading.Event(),
            "stop": threading.Event()}


def work(ext, state, thread_index, iterations):
    stop = state["stop"]
    if thread_index == 0:
        state["churning"].set()
        while not stop.is_set():
            if ext.ls_churn(state["list"], PASSES) < 0:
                raise RuntimeError("ls_churn failed")
            if state["gil"]:
                time.sleep(0)   # hands the GIL over (see GIL_HANDOVER)
        return 0
    state["churning"].wait()
    bad, loops = 0, 0
    try:
        while loops < iterations or (
                not state["gil"] and not stop.is_set() and loops < 100 * iterations
                and ext.ls_overlapped() < MIN_OVERLAPS):
            bad += ext.ls_read(state["list"], CHUNK)
            loops += CHUNK
            if state["gil"]:
                time.sleep(0)   # hands the GIL over (see GIL_HANDOVER)
        return bad
    finally:
        stop.set()


def check(ext, state, returns):
    bad = sum(returns)
    if bad:
        return f"{bad} reads below a size taken earlier saw a popped (freed, poisoned) item"
    return None
