"""The dict_next_unlocked scenario, each reader loop inside a critical section on the
dict. Thread 0 keeps inserting and deleting keys (moving the 64 fixed keys to the end one
at a time, growing and shrinking the table); the other threads loop over the dict with
PyDict_Next. No loop may see a key twice or miss more than one fixed key. With the GIL
off readers go on until MIN_OVERLAPS loops saw the mutator insert or delete meanwhile
(as in dict_next_unlocked, but for at most MAX_WAIT_S); the mutator pauses between calls
so that readers get the lock often enough."""

import sys
import threading
import time

CHUNK = 20              # loops per dc_read call
PASSES = 2              # mutator passes per dc_churn call
PAUSE_S = 2e-4          # the mutator's pause between calls (see below)
MIN_OVERLAPS = 50
MAX_WAIT_S = 0.05       # ... or until this long after the reader began: cells stay short

# GIL_HANDOVER: with a GIL, each call ends with time.sleep(0), which really lets a
# waiting thread take the GIL (a thread that drops and retakes it at once in a loop of
# short C calls can starve the others for seconds). Without a GIL nothing is handed
# over, and no thread yields at safe points: a thread preempted inside its window is a
# race shown even where the threads share a core.


def setup(ext):
    sys.setswitchinterval(1e-4)     # with a GIL, hand it over quickly (own process)
    table = {}
    if ext.dc_fill(table) != 64:
        raise RuntimeError("dc_fill did not fill the dict")
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    return {"dict": table, "gil": gil, "churning": threading.Event(),
            "stop": threading.Event()}


def work(ext, state, thread_index, iterations):
    stop = state["stop"]
    if thread_index == 0:
        state["churning"].set()
        while not stop.is_set():
            if ext.dc_churn(state["dict"], PASSES) < 0:
                raise RuntimeError("dc_churn failed")
            # Paced: a mutator locking the dict back to back starves the readers (a
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
                and ext.dc_overlapped() < MIN_OVERLAPS):
            bad += ext.dc_read(state["dict"], CHUNK)
            loops += CHUNK
            if state["gil"]:
                time.sleep(0)   # hands the GIL over (see GIL_HANDOVER)
        return bad
    finally:
        stop.set()


def check(ext, state, returns):
    bad = sum(returns)
    if bad:
        twice, missed, strange = (ext.dc_bad_loops(kind) for kind in range(3))
        return (f"{bad} PyDict_Next loops went wrong: {twice} saw a key twice, {missed} "
                f"missed fixed keys, {strange} read a non-key")
    return None
