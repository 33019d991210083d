"""Every thread keeps replacing the items of a small shared list with fresh ones, slot
after slot, and between batches reads items through strong references it holds for a
while. Each item is made and freed once, so after the round the items made minus
the items freed must equal the list's length (more: a new item overwritten and leaked),
no read may find an item freed under the reader's own reference, and every slot must
hold a live item.

Every thread both writes and reads: a thread that only read took one of the machine's
two cores from the writers, whose meeting is what breaks (measured: a dedicated reader
left some rounds with a single leaked item). With the GIL off the
threads keep going in batches until all of them have done their share, or a short
deadline passes (wake-ups are staggered, and a whole share fits in one scheduler
slice)."""

import gc
import sys

from gilcompat.scenario import churn

SLOTS = 4
WRITES = 200        # replacements per batch
READS = 50          # reads per batch


def setup(ext):
    items = []
    ext.ls_fill(items, SLOTS)
    return {"list": items, "finished": set(), "failed": []}


def work(ext, state, thread_index, iterations):
    items, failed = state["list"], state["failed"]

    def batch(writes):
        failed.append(ext.ls_write(items, writes))
        return ext.ls_read(items, READS)

    return churn(batch, WRITES, iterations, thread_index, state["finished"], ext.threads)


def check(ext, state, returns):
    items = state["list"]
    if len(items) != SLOTS:
        return f"setup made {len(items)} items, want {SLOTS}"
    if sys.implementation.name == "pypy":
        gc.collect()    # items that reached PyPy's side (the list's first ones) die in its GC
    made, freed, again, dead = (ext.ls_evidence(items, what) for what in range(4))
    problems = []
    live = made - freed
    if live != SLOTS:
        problems.append(f"{live} items alive, want the list's {SLOTS} "
                        f"(made {made}, freed {freed}): "
                        + ("new items overwritten and leaked" if live > SLOTS
                           else "items freed too often"))
    if sum(returns):
        problems.append(f"{sum(returns)} reads found an item freed under their reference")
    if again:
        problems.append(f"{again} items reached refcount zero again after being freed")
    if dead:
        problems.append(f"{dead} slots hold a freed item")
    if sum(state["failed"]):
        problems.append(f"{sum(state['failed'])} replacements failed")
    return "; ".join(problems) or None
