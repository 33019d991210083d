"""Thread 0 owns the registered objects and keeps replacing them (each old one
unregisters itself as it dies) while the other threads look them up in the C registry,
which holds no reference, and take references with PyUnstable_TryIncRef under the
registry's lock; no read may see a dead (poisoned) object. The churn is
unowned_registry's, so this twin shows its fix holds under the same load."""

import threading
import time

KEYS = 4


def setup(ext):
    owned = []      # the registered objects' only references (the writer's)
    return {"filled": ext.tr_fill(owned), "owned": owned,
            "writing": threading.Event(), "stop": threading.Event()}


def work(ext, state, thread_index, iterations):
    # As in unowned_registry: the writer churns from its start until the first reader
    # is done, and readers start reading only once it churns, so they always overlap.
    if thread_index == 0:
        state["writing"].set()
        while not state["stop"].is_set():
            ext.tr_churn(state["owned"], 10)
            time.sleep(0)   # let waiting readers have the GIL (PyPy can starve them)
        return 0
    state["writing"].wait()
    try:
        return ext.tr_read(iterations)
    finally:
        state["stop"].set()


def check(ext, state, returns):
    if state["filled"] != KEYS:
        return f"setup registered {state['filled']} objects, want {KEYS}"
    bad = sum(returns)
    if bad:
        return f"{bad} reads got a reference to a registered object that had died (poisoned)"
    return None
