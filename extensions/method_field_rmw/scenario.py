"""Every thread calls bump(BATCH) on one shared FieldCounter instance (a C type of the
family; the call is a plain method call, whatever the face) until all have done their
share; each bump is BATCH read-modify-write steps of the instance's count. The final
count must be the number of steps taken: with the GIL each bump runs whole, as one
step of the interpreter; with it off, threads inside bump at once lose each other's
updates.

The loop lives in C (BATCH steps per call): a Python loop of bump(1) calls spends most
of its time outside the window (measured: see case.toml)."""

import time

from gilcompat.scenario import churn, gil_off

BATCH = 100

# HANDOVER: with the GIL on, a thread's whole share fits in one switch interval, so the
# threads would bump one after another and the instance would never really be shared
# (3 thread switches in 800 calls, measured). Sleeping after each call hands the GIL
# over: 590-730 switches in 800 calls on CPython and PyPy (sleep(0) does it on CPython
# only).
HANDOVER_S = 1e-5


def setup(ext):
    holder = []
    ext.mf_make(holder)
    if len(holder) != 1:
        raise RuntimeError("mf_make made no instance")
    return {"obj": holder[0], "finished": set()}


def work(ext, state, thread_index, iterations):
    bump, handover = state["obj"].bump, not gil_off()

    def call(steps):
        bump(steps)
        if handover:
            time.sleep(HANDOVER_S)      # see HANDOVER
        return steps
    return churn(call, BATCH, iterations, thread_index, state["finished"], ext.threads)


def check(ext, state, returns):
    count, steps = ext.mf_count(state["obj"]), sum(returns)
    if count != steps:
        return f"count is {count} after {steps} steps: {steps - count} updates lost"
    return None
