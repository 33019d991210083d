"""The dict_next_unlocked scenario, each reader loop inside a critical section on the
dict. Thread 0 keeps inserting and deleting keys (moving the 64 fixed keys to the end one
at a time, growing and shrinking the table); the other threads loop over the dict with
PyDict_Next. No loop may see a key twice or miss more than one fixed key. With the GIL
off readers go on until MIN_OVERLAPS loops saw the mutator insert or delete meanwhile
(as in dict_next_unlocked, but for at most MAX_WAIT_S); the mutator pauses between calls
so that readers get the lock often enough."""

import sys

from gilcompat.scenario import mutate_and_read, mutator_state

CHUNK = 20              # loops per dc_read call
PASSES = 2              # mutator passes per dc_churn call
PAUSE_S = 2e-4          # the mutator's pause between calls (see mutate_and_read)
MIN_OVERLAPS = 50
MAX_WAIT_S = 0.05       # ... or until this long after the reader began: cells stay short


def setup(ext):
    sys.setswitchinterval(1e-4)     # with a GIL, hand it over quickly (own process)
    table = {}
    if ext.dc_fill(table) != 64:
        raise RuntimeError("dc_fill did not fill the dict")
    return mutator_state(dict=table)


def work(ext, state, thread_index, iterations):
    target = state["dict"]
    return mutate_and_read(
        state, thread_index, iterations,
        mutate=lambda: ext.dc_churn(target, PASSES),
        read=lambda n: ext.dc_read(target, n), overlapped=ext.dc_overlapped,
        chunk=CHUNK, min_overlaps=MIN_OVERLAPS, pause_s=PAUSE_S, max_wait_s=MAX_WAIT_S)


def check(ext, state, returns):
    bad = sum(returns)
    if bad:
        twice, missed, strange = (ext.dc_bad_loops(kind) for kind in range(3))
        return (f"{bad} PyDict_Next loops went wrong: {twice} saw a key twice, {missed} "
                f"missed fixed keys, {strange} read a non-key")
    return None
