"""Thread 0 keeps growing and shrinking a list by one item, letting other threads run
in between; the other threads read it
in a critical section, calling back into Python (a callback that lets other threads
run) between reading the size and using it. A reader that trusts the size it read
before the callback sometimes holds an index out of bounds; one that reads it again
never does."""

import threading
import time


def _yield():
    time.sleep(0.00005)    # releases the GIL / detaches, long enough for others to run


def setup(ext):
    return {"list": list(range(8)), "writing": threading.Event(), "stop": threading.Event()}


def work(ext, state, thread_index, iterations):
    items = state["list"]
    if thread_index == 0:
        state["writing"].set()
        while not state["stop"].is_set():
            items.append(0)
            time.sleep(0)  # a reader may read here, with the list one item longer
            items.pop()
            time.sleep(0)
        return 0
    state["writing"].wait()
    try:
        return ext.cb_read(items, _yield, iterations)
    finally:
        state["stop"].set()


def check(ext, state, returns):
    bad = sum(returns)
    if bad:
        return f"{bad} reads used an index out of the list's bounds after the callback"
    return None
