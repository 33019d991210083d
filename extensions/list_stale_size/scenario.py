"""Thread 0 keeps popping a 16-item list down to 9 items and appending fresh items
back; the other threads loop over it with a size taken once at the start of each loop.
No read may see a popped (freed, poisoned) item.

Overlap is counted, not hoped for: wake-ups are staggered, and on a loaded machine the
mutator and a reader may share a core, taking turns a time slice at a time. With the GIL
off, readers go on past `iterations` loops until MIN_OVERLAPS of their loops (in all)
saw the mutator pop or append meanwhile. With a GIL no loop can overlap a mutation (each
C call holds it throughout): there is nothing to wait for."""

import sys

from gilcompat.scenario import mutate_and_read, mutator_state

CHUNK = 100             # loops per ls_read call
PASSES = 200            # mutator passes per ls_churn call
MIN_OVERLAPS = 50


def setup(ext):
    sys.setswitchinterval(1e-4)     # with a GIL, hand it over quickly (own process)
    items = []
    if ext.ls_fill(items) != 16:
        raise RuntimeError("ls_fill did not fill the list")
    return mutator_state(list=items)


def work(ext, state, thread_index, iterations):
    target = state["list"]
    return mutate_and_read(
        state, thread_index, iterations,
        mutate=lambda: ext.ls_churn(target, PASSES),
        read=lambda n: ext.ls_read(target, n), overlapped=ext.ls_overlapped,
        chunk=CHUNK, min_overlaps=MIN_OVERLAPS, max_loops=100 * iterations)


def check(ext, state, returns):
    bad = sum(returns)
    if bad:
        return f"{bad} reads below a size taken earlier saw a popped (freed, poisoned) item"
    return None
