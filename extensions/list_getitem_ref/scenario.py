"""Thread 0 keeps replacing a small list's items with fresh ones while the other
threads read them through PyList_GetItemRef; no read may see a freed (poisoned) item.
The churn is list_borrowed_item's, so this twin shows its fix holds under the same load."""

import threading

SLOTS = 4


def setup(ext):
    items = []
    ext.lr_fill(items, SLOTS)
    return {"list": items, "writing": threading.Event(), "stop": threading.Event()}


def work(ext, state, thread_index, iterations):
    # As in list_borrowed_item: the writer churns from its start until the first reader
    # is done, and readers start reading only once it churns, so they always overlap.
    if thread_index == 0:
        state["writing"].set()
        while not state["stop"].is_set():
            ext.lr_replace(state["list"], 10)
        return 0
    state["writing"].wait()
    try:
        return ext.lr_read(state["list"], iterations)
    finally:
        state["stop"].set()


def check(ext, state, returns):
    if len(state["list"]) != SLOTS:
        return f"setup made {len(state['list'])} items, want {SLOTS}"
    bad = sum(returns)
    if bad:
        return f"{bad} PyList_GetItemRef reads did not get a live item (freed/poisoned)"
    return None
