"""Thread 0 keeps replacing a global PyObject * with fresh items (dropping the old one)
while the other threads load it, spin and incref it; no read may see a freed (poisoned)
item.

Wake-ups are staggered, so the writer never waits: it churns from its start until a
reader is done, and readers start reading only once it churns. A reader's whole share
can fit in one scheduler slice, so with the GIL off readers keep reading in batches
until all the other readers are done, or a short deadline
passes."""

import threading

from gilcompat.scenario import churn

BATCH = 1000


def setup(ext):
    ext.gs_reset()
    return {"writing": threading.Event(), "stop": threading.Event(), "finished": set()}


def work(ext, state, thread_index, iterations):
    if thread_index == 0:
        state["writing"].set()
        while not state["stop"].is_set():
            ext.gs_swap(50)
        return 0
    state["writing"].wait()
    try:    # every thread but the writer reads
        return churn(ext.gs_read, BATCH, iterations, thread_index, state["finished"],
                     ext.threads - 1)
    finally:
        state["stop"].set()


def check(ext, state, returns):
    bad = sum(returns)
    if bad:
        return f"{bad} reads of the global saw a freed (poisoned) item"
    return None
