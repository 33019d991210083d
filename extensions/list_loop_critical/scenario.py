"""The list_stale_size scenario, each reader loop inside a critical section on the
list. Thread 0 keeps popping a 16-item list down to 9 items and appending fresh items
back; the other threads loop over it with a size taken once at the start of each loop.
No read may see a popped (freed, poisoned) item. With the GIL off readers go on until
MIN_OVERLAPS loops saw the mutator pop or append meanwhile, as in list_stale_size; the
mutator pauses between calls so that readers get the lock often enough."""

import os
import sys
import threading
import time

CHUNK = 100             # loops per lc_read call
PASSES = 20             # mutator passes per lc_churn call
PAUSE_S = 2e-4          # the mutator's pause between calls (see below)
MIN_OVERLAPS = 20

# Hands a GIL over at once (time.sleep(0) would cost some 80 us on Linux: timer slack).
# Only with a GIL: without one, yielding would move every thread switch to these safe
# points, and a reader or mutator preempted in the middle of its window is a race
# shown even where the threads share a core.
yield_cpu = getattr(os, "sched_yield", lambda: time.sleep(0))


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
        while loops < iterations or (
                not state["gil"] and not stop.is_set() and loops < 100 * iterations
                and ext.lc_overlapped() < MIN_OVERLAPS):
            bad += ext.lc_read(state["list"], CHUNK)
            loops += CHUNK
            if state["gil"]:
                yield_cpu()     # lets the other side in
        return bad
    finally:
        stop.set()


def check(ext, state, returns):
    bad = sum(returns)
    if bad:
        return f"{bad} reads below a size taken earlier saw a popped (freed, poisoned) item"
    return None
