"""Helpers for scenario.py files (importable in every case's child as ``compat``).

Under load, barrier wake-ups are staggered by tens of milliseconds and a thread's whole
batch can fit in one scheduler slice, so threads that each do their share in one go run
one after another and a race never gets its chance. ``churn`` keeps every thread
calling, in small batches, until all of them have done their share.
"""

import sys
import time

OVERLAP_DEADLINE_S = 0.1


def gil_off() -> bool:
    probe = getattr(sys, "_is_gil_enabled", None)
    return probe is not None and not probe()


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
