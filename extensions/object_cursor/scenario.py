"""Every thread takes items from one shared C object's cursor until it is at the end;
every item must be handed out exactly once, and none from past the end.

The object holds threads x iterations items. With the GIL
on, and until every thread is in with the GIL off, threads take in small batches:
wake-ups are staggered, and one thread alone could otherwise empty the object."""

import itertools
import time

from gilcompat.scenario import gil_off

BATCH = 100
_ids = itertools.count()


def setup(ext):
    object_id = next(_ids) % 4          # a different object each round
    return {"id": object_id, "started": set(), "iterations": None}


def work(ext, state, thread_index, iterations):
    object_id, started = state["id"], state["started"]
    if thread_index == 0:
        ext.oc_open(object_id, ext.threads * iterations)
        state["iterations"] = iterations
    while state["iterations"] is None:  # thread 0 opens the object
        time.sleep(0.0005)
    started.add(thread_index)
    overlap = gil_off()
    deadline = time.monotonic() + 0.1
    got = 0
    while overlap and len(started) < ext.threads and time.monotonic() < deadline:
        taken = ext.oc_take(object_id, BATCH)
        got += taken
        if not taken:
            return got
    while True:
        taken = ext.oc_take(object_id, 1000000 if overlap else BATCH)
        got += taken
        if not taken:
            return got


def check(ext, state, returns):
    object_id = state["id"]
    twice, skipped = ext.oc_evidence(object_id, 0), ext.oc_evidence(object_id, 1)
    past_end, items = ext.oc_evidence(object_id, 2), ext.oc_evidence(object_id, 3)
    if twice or skipped or past_end or sum(returns) != items:
        return (f"{sum(returns)} takes from {items} items: {twice} extra copies, "
                f"{skipped} items never handed out, {past_end} reads past the end")
    return None
