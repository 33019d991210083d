"""Thread 0 owns the registered objects and keeps replacing them (each old one
unregisters itself as it dies) while the other threads look them up in the C registry,
which holds no reference, and incref what they find; no read may see a dead (poisoned)
object."""

import threading
import time

KEYS = 4


def setup(ext):
    owned = []      # the registered objects' only references (the writer's)
    return {"filled": ext.ur_fill(owned), "owned": owned,
            "writing": threading.Event(), "stop": threading.Event()}


def work(ext, state, thread_index, iterations):
    # Wake-ups are staggered by up to tens of milliseconds, so the writer never waits:
    # it churns from its start until the first reader is done, and readers start
    # reading only once it churns.
    if thread_index == 0:
        state["writing"].set()
        while not state["stop"].is_set():
            ext.ur_churn(state["owned"], 10)
            time.sleep(0)   # let waiting readers have the GIL (PyPy can starve them)
        return 0
    state["writing"].wait()
    try:
        return ext.ur_read(iterations)
    finally:
        state["stop"].set()


def check(ext, state, returns):
    if state["filled"] != KEYS:
        return f"setup registered {state['filled']} objects, want {KEYS}"
    bad = sum(returns)
    if bad:
        return f"{bad} reads increfed a registered object that had died (poisoned)"
    return None
