"""Thread 0 makes a C-held box, then keeps bumping it in place whenever the family
member's test says no one else holds it (refcnt_one_mutation: its refcount is 1 while
other threads can reach it; refcnt_unique_locked: the test under the readers' lock);
thread 1 takes strong references to the box and reads it twice, spinning in between
(one time in 8 letting go of the GIL for a blocking call, when a waiting writer gets
it and finds the refcount at 2). The reader may never see the box it holds change.

Overlap is counted, not hoped for: with the GIL off the reader goes on past `iterations`
reads until MIN_OVERLAPS of its short holds saw the writer run meanwhile (or
EXTRA_READS_S has passed). With a GIL the
two never run at once: there is nothing to wait for."""

import sys
import threading
import time

CHUNK = 100             # reads per rc_read call
STEPS = 200             # writer steps per rc_write call
MIN_OVERLAPS = 200
# A budget for the reads past `iterations`: where the take waits for a lock (the
# locked twin, whose writer keeps taking it too) each read can cost a scheduler yield.
EXTRA_READS_S = 0.2

# GIL_HANDOVER: with a GIL, each call ends with time.sleep(0), which really lets a
# waiting thread take the GIL (a thread that drops and retakes it at once in a loop of
# short C calls can starve the others for seconds). Without a GIL nothing is handed
# over, and no thread yields at safe points: a thread preempted inside its window is a
# race shown even where the threads share a core.


def setup(ext):
    sys.setswitchinterval(1e-4)     # with a GIL, hand it over quickly (own process)
    if ext.rc_setup() != 0:
        raise RuntimeError("rc_setup: the box type could not be made")
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    return {"gil": gil, "writing": threading.Event(), "stop": threading.Event()}


def work(ext, state, thread_index, iterations):
    stop = state["stop"]
    if thread_index == 0:
        try:
            if ext.rc_write(STEPS) < 0:     # makes the box: readers start after it
                raise RuntimeError("rc_write: the box could not be made")
        finally:
            state["writing"].set()
        while not stop.is_set():
            ext.rc_write(STEPS)
            if state["gil"]:
                time.sleep(1e-5)    # hands the GIL over (see GIL_HANDOVER; on PyPy
                                    # sleep(0) does not, and the reader starves)
        return 0
    state["writing"].wait()
    changed, reads = 0, 0
    give_up = time.monotonic() + EXTRA_READS_S
    try:
        while reads < iterations or (
                not state["gil"] and not stop.is_set() and reads < 100 * iterations
                and ext.rc_overlapped() < MIN_OVERLAPS and time.monotonic() < give_up):
            changed += ext.rc_read(CHUNK)
            reads += CHUNK
            if state["gil"]:
                time.sleep(0)   # hands the GIL over (see GIL_HANDOVER)
        return changed
    finally:
        stop.set()


def check(ext, state, returns):
    changed = sum(returns)
    if changed:
        return (f"{changed} holds saw the box change under the reader's own strong "
                f"reference; the writer wrote in place {ext.rc_in_place_writes()} times, "
                f"each time after reading refcount 1")
    return None
