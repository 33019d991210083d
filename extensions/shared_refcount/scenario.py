"""Every thread increfs and decrefs two fresh (never immortal) lists in C loops: one
made by the main thread, one made by worker 0 (on free-threaded builds: worker 0 counts
on it in its local part, the others in the shared part). With every thread done, each
count, read from the main thread, must equal its baseline read the same way."""

import threading


def _count(ext, state, key):
    obj = state[key]            # the same references held at every read
    return ext.sr_refcnt(obj)


def setup(ext):
    state = {"main": [object()], "ready": threading.Event()}
    state["main_baseline"] = _count(ext, state, "main")
    return state


def work(ext, state, thread_index, iterations):
    if thread_index == 0:
        state["worker"] = [object()]    # owned by this thread
        state["worker_baseline"] = _count(ext, state, "worker")
        state["ready"].set()
    elif not state["ready"].wait(10):
        raise RuntimeError("worker 0 never made its object")
    return ext.sr_churn(state["worker"], iterations) + ext.sr_churn(state["main"], iterations)


def check(ext, state, returns):
    wrong = []
    for key in ("main", "worker"):
        got, want = _count(ext, state, key), state[key + "_baseline"]
        if got != want:
            wrong.append(f"the {key} thread's object has refcount {got}, baseline {want} "
                         f"({got - want:+d})")
    if wrong:
        return "; ".join(wrong) + f" after {sum(returns)} rounds of 8 increfs and decrefs"
    return None
