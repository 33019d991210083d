"""Thread 0 keeps moving a 48-element set and a 48-element list of consecutive ints on,
an element at a time (add the next int, then remove the smallest); the other threads
copy both containers with one C-API call each. Every copy must show one moment: 48 or
49 consecutive ints, each once (in order, for the list).

With the GIL off, readers go on past `iterations` snapshots until MIN_OVERLAPS of them
(in all) saw the mutator mutate meanwhile, for at most MAX_WAIT_S. With a GIL no
snapshot call can overlap a mutation: there is nothing to wait for."""

import sys
import threading
import time

CHUNK = 50              # snapshots per cs_snapshot call
PASSES = 50             # mutator passes per cs_churn call
MIN_OVERLAPS = 100
MAX_WAIT_S = 0.05       # ... or until this long after the reader began: cells stay short

# GIL_HANDOVER: with a GIL, each call ends with time.sleep(0), which really lets a
# waiting thread take the GIL (a thread that drops and retakes it at once in a loop of
# short C calls can starve the others for seconds). Without a GIL nothing is handed
# over, and no thread yields at safe points: a thread preempted inside its window is a
# race shown even where the threads share a core.


def setup(ext):
    sys.setswitchinterval(1e-4)     # with a GIL, hand it over quickly (own process)
    state = {"set": set(), "list": [], "churning": threading.Event(),
             "stop": threading.Event(),
             "gil": getattr(sys, "_is_gil_enabled", lambda: True)()}
    if ext.cs_fill(state["set"], state["list"]) < 0:
        raise RuntimeError("cs_fill failed")
    return state


def work(ext, state, thread_index, iterations):
    stop = state["stop"]
    if thread_index == 0:
        state["churning"].set()
        while not stop.is_set():
            if ext.cs_churn(state["set"], state["list"], PASSES) < 0:
                raise RuntimeError("cs_churn failed")
            if state["gil"]:
                time.sleep(0)   # hands the GIL over (see GIL_HANDOVER)
        return 0
    state["churning"].wait()
    bad, reads = 0, 0
    try:
        deadline = time.monotonic() + MAX_WAIT_S
        while reads < iterations or (
                not state["gil"] and not stop.is_set() and time.monotonic() < deadline
                and ext.cs_overlapped() < MIN_OVERLAPS):
            found = ext.cs_snapshot(state["set"], state["list"], CHUNK)
            if found < 0:
                raise RuntimeError("cs_snapshot: a copy failed")
            bad += found
            reads += CHUNK
            if state["gil"]:
                time.sleep(0)   # hands the GIL over (see GIL_HANDOVER)
        return bad
    finally:
        stop.set()


def check(ext, state, returns):
    bad = sum(returns)
    if bad:
        return f"{bad} snapshots mixed two moments of the container"
    return None
