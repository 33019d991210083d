"""Thread 0 keeps replacing a small list's items with fresh ones while the other
threads take them (the family's reader: borrowed through PyList_GetItem in
list_borrowed_item, a strong reference from PyList_GetItemRef in list_getitem_ref); no
read may see a freed (poisoned) item."""

import threading

SLOTS = 4


def setup(ext):
    items = []
    ext.lb_fill(items, SLOTS)
    return {"list": items, "writing": threading.Event(), "stop": threading.Event()}


def work(ext, state, thread_index, iterations):
    # Wake-ups are staggered by up to tens of milliseconds, so the writer never waits:
    # it churns from its start until the first reader is done, and readers start
    # reading only once it churns.
    if thread_index == 0:
        state["writing"].set()
        while not state["stop"].is_set():
            ext.lb_replace(state["list"], 10)
        return 0
    state["writing"].wait()
    try:
        return ext.lb_read(state["list"], iterations)
    finally:
        state["stop"].set()


def check(ext, state, returns):
    if len(state["list"]) != SLOTS:
        return f"setup made {len(state['list'])} items, want {SLOTS}"
    bad = sum(returns)
    if bad:
        return f"{bad} reads did not get a live item (a freed/poisoned one, or a failure)"
    return None
