"""The list_stale_size scenario, each reader loop inside a critical section on the
list. Thread 0 keeps popping a 16-item list down to 9 items and appending fresh items
back; the other threads loop over it with a size taken once at the start of each loop.
No read may see a popped (freed, poisoned) item. With the GIL off readers go on until
MIN_OVERLAPS loops saw the mutator pop or append meanwhile (as in list_stale_size, but
for at most MAX_WAIT_S); the mutator pauses between calls so that readers get the lock
often enough."""

import sys
import threading
import time

CHUNK = 100             # loops per lc_read call
PASSES = 20             # mutator passes per lc_churn call
PAUSE_S = 2e-4          # the mutator's pause between calls (see below)
MIN_OVERLAPS = 20
MAX_WAIT_S = 0.05       # ... or until this long after the reader began: cells stay short

# GIL_HANDOVER: with a GIL, each call ends with time.sleep(0), which really lets a
# waiting thread take the GIL (a thread that drops and retakes it at once in a loop of
# short C calls can starve the others for seconds). Without a GIL nothing is handed
# over, and no thread yields at safe points: a thread preempted inside its window is a
# race shown even where the threads share a core.


def setup(ext):
    sys.setswitchinterval(1e-4)     # with a GIL, hand it over quickly (own process)
    items = []
    if ext.lc_fill(items) != 16:
        raise RuntimeError("lc_fill did not fill the list")
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    return {"list": items, "gil": gil, "churning": threading.Event(),
            "stop": threading.Event()}


def work(ext, state, thread_index, iterations):
    stop = state["stop"]
    if thread_index == 0:
        state["churning"].set()
        while not stop.is_set():
            if ext.lc_churn(state["list"], PASSES) < 0:
                raise RuntimeError("lc_churn failed")
            # Paced: a mutator locking the list back to back starves the readers (a
            # PyMutex hands over to a waiter only after it has waited 1 ms), and each
            # reader loop would take a millisecond.
            time.sleep(PAUSE_S)
        return 0
    state["churning"].wait()
    bad, loops = 0, 0
    try:
        deadline = time.monotonic() + MAX_WAIT_S
        while loops < iterations or (
                not state["gil"] and not stop.is_set() and time.monotonic() < deadline
                and ext.lc_overlapped() < MIN_OVERLAPS):
            bad += ext.lc_read(state["list"], CHUNK)
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
