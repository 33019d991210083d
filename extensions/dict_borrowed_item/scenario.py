"""Thread 0 keeps setting a small dict's keys to fresh values (and deleting some) while
the other threads take the values (the family's reader: borrowed through PyDict_GetItem
in dict_borrowed_item, a strong reference from PyDict_GetItemRef in dict_getitem_ref);
no read may see a freed (poisoned) item."""

import threading
import time

KEYS = 4


def setup(ext):
    values = {}
    ext.db_fill(values, KEYS)
    return {"dict": values, "filled": len(values),
            "writing": threading.Event(), "stop": threading.Event()}


def work(ext, state, thread_index, iterations):
    # Wake-ups are staggered by up to tens of milliseconds, so the writer never waits:
    # it churns from its start until the first reader is done, and readers start
    # reading only once it churns.
    if thread_index == 0:
        state["writing"].set()
        while not state["stop"].is_set():
            ext.db_churn(state["dict"], 10)
            time.sleep(0)   # let waiting readers have the GIL (PyPy can starve them)
        return 0
    state["writing"].wait()
    try:
        return ext.db_read(state["dict"], iterations)
    finally:
        state["stop"].set()


def check(ext, state, returns):
    if state["filled"] != KEYS:
        return f"setup made {state['filled']} entries, want {KEYS}"
    bad = sum(returns)
    if bad:
        return f"{bad} reads did not get a live item (a freed/poisoned one, or a failure)"
    return None
