"""Thread 0 keeps replacing weakly referenced objects with fresh ones (dropping each old
referent's last strong reference) while the other threads take the referents (the
family's reader: borrowed through PyWeakref_GetObject in weakref_borrowed, a strong
reference from PyWeakref_GetRef in weakref_getref); no read may see a dead (poisoned)
referent."""

import gc
import sys
import threading
import time

SLOTS = 4


def setup(ext):
    # The writer makes weakrefs, which are GC objects: on free-threaded CPython an
    # automatic collection stops the world, which waits for every reader's whole call
    # and starves the churn. (PyPy's collector is what frees the referents: leave it.)
    if sys.implementation.name == "cpython":
        gc.disable()
    owned = []      # the referents' only strong references (the writer's)
    return {"filled": ext.wb_fill(owned), "owned": owned, "retired": [],
            "writing": threading.Event(), "stop": threading.Event()}


def work(ext, state, thread_index, iterations):
    # Wake-ups are staggered by up to tens of milliseconds, so the writer never waits:
    # it churns from its start until the first reader is done, and readers start
    # reading only once it churns.
    if thread_index == 0:
        state["writing"].set()
        while not state["stop"].is_set():
            ext.wb_churn(state["owned"], state["retired"], 10)
            time.sleep(0)   # let waiting readers have the GIL (PyPy can starve them)
        return 0
    state["writing"].wait()
    try:
        return ext.wb_read(iterations)
    finally:
        state["stop"].set()


def check(ext, state, returns):
    if sys.implementation.name == "cpython":
        gc.enable()
    if state["filled"] != SLOTS:
        return f"setup made {state['filled']} weakly referenced objects, want {SLOTS}"
    bad, torn = sum(returns), ext.wb_torn_count()
    found = []
    if bad:
        found.append(f"{bad} reads did not get a live referent (a dead/poisoned one, "
                     f"or a failure)")
    if torn:
        found.append(f"{torn} referents were increfed while being deallocated "
                     f"(PyObject_ClearWeakRefs refused them)")
    return "; ".join(found) or None
