"""Thread 0 keeps inserting and deleting keys of a dict (moving its 64 fixed keys to the
end one at a time, growing and shrinking the table); the other threads loop over it
with PyDict_Next. No loop may see a key twice or miss more than one fixed key.

Overlap is counted, not hoped for: wake-ups are staggered, and on a loaded machine the
mutator and a reader may share a core, taking turns a time slice at a time. With the GIL
off, readers go on past `iterations` loops until MIN_OVERLAPS of their loops (in all)
saw the mutator insert or delete meanwhile. With a GIL no loop can overlap a mutation
(each C call holds it throughout): there is nothing to wait for."""

import sys
import threading
import time

CHUNK = 20              # loops per dn_read call
PASSES = 20             # mutator passes per dn_churn call
MIN_OVERLAPS = 50

# GIL_HANDOVER: with a GIL, each call ends with time.sleep(0), which really lets a
# waiting thread take the GIL (a thread that drops and retakes it at once in a loop of
# short C calls can starve the others for seconds). Without a GIL nothing is handed
# over, and no thread yields at safe points: a thread preempted inside its window is a
# race shown even where the threads share a core.


def setup(ext):
    sys.setswitchinterval(1e-4)     # with a GIL, hand it over quickly (own process)
    table = {}
    if ext.dn_fill(table) != 64:
        raise RuntimeError("dn_fill did not fill the dict")
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    return {"dict": table, "gil": gil, "churning": threading.Event(),
            "stop": threading.Event()}


def work(ext, state, thread_index, iterations):
    stop = state["stop"]
    if thread_index == 0:
        state["churning"].set()
        while not stop.is_set():
            if ext.dn_churn(state["dict"], PASSES) < 0:
                raise RuntimeError("dn_churn failed")
            if state["gil"]:
                time.sleep(0)   # hands the GIL over (see GIL_HANDOVER)
        return 0
    state["churning"].wait()
    bad, loops = 0, 0
    try:
        while loops < iterations or (
                not state["gil"] and not stop.is_set() and loops < 100 * iterations
                and ext.dn_overlapped() < MIN_OVERLAPS):
            bad += ext.dn_read(state["dict"], CHUNK)
            loops += CHUNK
            if state["gil"]:
                time.sleep(0)   # hands the GIL over (see GIL_HANDOVER)
        return bad
    finally:
        stop.set()


def check(ext, state, returns):
    bad = sum(returns)
    if bad:
        twice, missed, strange = (ext.dn_bad_loops(kind) for kind in range(3))
        return (f"{bad} PyDict_Next loops went wrong: {twice} saw a key twice, {missed} "
                f"missed fixed keys, {strange} read a non-key")
    return None
