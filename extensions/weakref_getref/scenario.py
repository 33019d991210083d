"""Thread 0 keeps replacing weakly referenced objects with fresh ones (dropping each old
referent's last strong reference) while the other threads read the referents through
PyWeakref_GetRef; no read may see a dead (poisoned) referent. The churn is
weakref_borrowed's, so this twin shows its fix holds under the same load."""

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
    return {"filled": ext.wr_fill(owned), "owned": owned, "retired": [],
            "writing": threading.Event(), "stop": threading.Event()}


def work(ext, state, thread_index, iterations):
    # As in weakref_borrowed: the writer churns from its start until the first reader
    # is done, and readers start reading only once it churns, so they always overlap.
    if thread_index == 0:
        state["writing"].set()
        while not state["stop"].is_set():
            ext.wr_churn(state["owned"], state["retired"], 10)
            time.sleep(0)   # let waiting readers have the GIL (PyPy can starve them)
        return 0
    state["writing"].wait()
    try:
        return ext.wr_read(iterations)
    finally:
        state["stop"].set()


def check(ext, state, returns):
    if sys.implementation.name == "cpython":
        gc.enable()
    if state["filled"] != SLOTS:
        return f"setup made {state['filled']} weakly referenced objects, want {SLOTS}"
    bad, torn = sum(returns), ext.wr_torn_count()
    found = []
    if bad:
        found.append(f"{bad} PyWeakref_GetRef reads did not get a live referent (dead/poisoned)")
    if torn:
        found.append(f"{torn} referents were increfed while being deallocated "
                     f"(PyObject_ClearWeakRefs refused them)")
    return "; ".join(found) or None
