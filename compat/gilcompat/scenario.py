"""The helpers a case's ``scenario.py`` may use: ``from gilcompat.scenario import churn``.

This is the one public module for scenario authors. It runs inside the child (standard
library and ``gilcompat.child`` only).

- ``gil_off()``: whether the GIL was measured off in this cell (the exclusion probe, not
  the interpreter's word); an inconclusive measurement counts as off, which only costs
  a little more churning.
- ``churn(...)``: keep every thread calling until all have done their share.
- ``mutator_state(...)`` / ``mutate_and_read(...)``: one mutator, the other threads
  reading, until enough reads saw a mutation.

Under load, barrier wake-ups are staggered by tens of milliseconds and a thread's whole
batch can fit in one scheduler slice, so threads that each do their share in one go run
one after another and a race never gets its chance. ``churn`` keeps every thread
calling, in small batches, until all of them have done their share.
"""

import time

from gilcompat.child import gil_state

OVERLAP_DEADLINE_S = 0.1


def gil_off() -> bool:
    return gil_state.MEASURED is not True


def churn(call, batch, iterations, thread_index, finished, threads,
          deadline_s=OVERLAP_DEADLINE_S):
    """Call ``call(batch)`` until this thread has made ``iterations`` calls and, with the
    GIL off, until all ``threads`` threads (counted in the shared set ``finished``) have
    made theirs, or ``deadline_s`` has passed. Return the sum of what ``call`` returned.

    With the GIL on, batches interleave anyway, and churning on would only let an
    unfair GIL (PyPy's) starve a straggler."""
    overlap = gil_off()
    done = total = 0
    deadline = time.monotonic() + deadline_s
    while done < iterations or (overlap and len(finished) < threads
                                and time.monotonic() < deadline):
        total += call(batch) or 0
        done += batch
        if done >= iterations:
            finished.add(thread_index)
    return total


def mutator_state(**extra):
    """Round state for ``mutate_and_read``: the GIL's state and the two events."""
    import threading
    return {"gil": not gil_off(), "churning": threading.Event(),
            "stop": threading.Event(), **extra}


def mutate_and_read(state, thread_index, iterations, mutate, read, overlapped,
                    chunk, min_overlaps, pause_s=None, max_loops=None, max_wait_s=None,
                    overlap_with_gil=False):
    """Thread 0 calls ``mutate()`` until a reader is done (readers start after its
    first call: with an unfair GIL they could all be done before it ran); every other thread calls
    ``read(chunk)`` (which returns its bad reads) for ``iterations`` loops and, with
    the GIL off, on until ``overlapped()`` counts ``min_overlaps`` loops that saw a
    mutation: overlap is counted, not hoped for. ``max_loops`` / ``max_wait_s`` cap that
    wait. ``overlap_with_gil`` makes readers wait for it with a GIL too: for a reader
    that lets the GIL go while it reads, overlap is possible then, and is the round's
    proof. Returns the reader's bad reads (0 for the mutator).

    With a GIL, each call ends with ``time.sleep(0)``, which really lets a waiting thread
    take the GIL (a thread dropping and retaking it in a loop of short C calls can starve
    the others for seconds). ``pause_s`` paces the mutator instead: one locking a
    container back to back starves readers (a PyMutex hands over only after a 1 ms
    wait)."""
    stop = state["stop"]
    if thread_index == 0:
        first = True
        while first or not stop.is_set():
            try:
                if mutate() < 0:
                    raise RuntimeError("the mutator's C call failed")
            finally:
                if first:
                    state["churning"].set()
                    first = False
            if pause_s is not None:
                time.sleep(pause_s)
            elif state["gil"]:
                time.sleep(0)
        return 0
    state["churning"].wait()
    deadline = time.monotonic() + max_wait_s if max_wait_s is not None else None
    bad = loops = 0
    try:
        while loops < iterations or (
                (overlap_with_gil or not state["gil"]) and not stop.is_set()
                and (max_loops is None or loops < max_loops)
                and (deadline is None or time.monotonic() < deadline)
                and overlapped() < min_overlaps):
            bad += read(chunk)
            loops += chunk
            if state["gil"]:
                time.sleep(0)
        return bad
    finally:
        stop.set()
