"""Thread 0 keeps setting a small dict's keys to fresh values (and deleting some) while
the other threads read the values through PyDict_GetItemRef; no read may see a freed
(poisoned) item. The churn is dict_borrowed_item's, so this twin shows its fix holds
under the same load."""

import threading
import time

KEYS = 4


def setup(ext):
    values = {}
    ext.dr_fill(values, KEYS)
    return {"dict": values, "filled": len(values),
            "writing": threading.Event(), "stop": threading.Event()}


def work(ext, state, thread_index, iterations):
    # As in dict_borrowed_item: the writer churns from its start until the first reader
    # is done, and readers start reading only once it churns, so they always overlap.
    if thread_index == 0:
        state["writing"].set()
        while not state["stop"].is_set():
            ext.dr_churn(state["dict"], 10)
            time.sleep(0)   # let waiting readers have the GIL (PyPy can starve them)
        return 0
    state["writing"].wait()
    try:
        return ext.dr_read(state["dict"], iterations)
    finally:
        state["stop"].set()


def check(ext, state, returns):
    if state["filled"] != KEYS:
        return f"setup made {state['filled']} entries, want {KEYS}"
    bad = sum(returns)
    if bad:
        return f"{bad} PyDict_GetItemRef reads did not get a live item (freed/poisoned)"
    return None
