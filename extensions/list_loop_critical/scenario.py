"""The list_stale_size scenario, each reader loop inside a critical section on the
list. Thread 0 keeps popping a 16-item list down to 9 items and appending fresh items
back; the other threads loop over it with a size taken once at the start of each loop.
No read may see a popped (freed, poisoned) item. With the GIL off readers go on until
MIN_OVERLAPS loops saw the mutator pop or append meanwhile (as in list_stale_size, but
for at most MAX_WAIT_S); the mutator pauses between calls so that readers get the lock
often enough."""

import sys

from gilcompat.scenario import mutate_and_read, mutator_state

CHUNK = 100             # loops per lc_read call
PASSES = 20             # mutator passes per lc_churn call
PAUSE_S = 2e-4          # the mutator's pause between calls (see mutate_and_read)
MIN_OVERLAPS = 20
MAX_WAIT_S = 0.05       # ... or until this long after the reader began: cells stay short


def setup(ext):
    sys.setswitchinterval(1e-4)     # with a GIL, hand it over quickly (own process)
    items = []
    if ext.lc_fill(items) != 16:
        raise RuntimeError("lc_fill did not fill the list")
    return mutator_state(list=items)


def work(ext, state, thread_index, iterations):
    target = state["list"]
    return mutate_and_read(
        state, thread_index, iterations,
        mutate=lambda: ext.lc_churn(target, PASSES),
        read=lambda n: ext.lc_read(target, n), overlapped=ext.lc_overlapped,
        chunk=CHUNK, min_overlaps=MIN_OVERLAPS, pause_s=PAUSE_S, max_wait_s=MAX_WAIT_S)


def check(ext, state, returns):
    bad = sum(returns)
    if bad:
        return f"{bad} reads below a size taken earlier saw a popped (freed, poisoned) item"
    return None
