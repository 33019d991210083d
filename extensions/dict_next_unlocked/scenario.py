"""Thread 0 keeps inserting and deleting keys of a dict (moving its 64 fixed keys to the
end one at a time, growing and shrinking the table); the other threads loop over it
with PyDict_Next. No loop may see a key twice or miss more than one fixed key.

Overlap is counted, not hoped for: wake-ups are staggered, and on a loaded machine the
mutator and a reader may share a core, taking turns a time slice at a time. With the GIL
off, readers go on past `iterations` loops until MIN_OVERLAPS of their loops (in all)
saw the mutator insert or delete meanwhile. With a GIL no loop can overlap a mutation
(each C call holds it throughout): there is nothing to wait for."""

import sys

from gilcompat.scenario import mutate_and_read, mutator_state

CHUNK = 20              # loops per dn_read call
PASSES = 20             # mutator passes per dn_churn call
MIN_OVERLAPS = 50


def setup(ext):
    sys.setswitchinterval(1e-4)     # with a GIL, hand it over quickly (own process)
    table = {}
    if ext.dn_fill(table) != 64:
        raise RuntimeError("dn_fill did not fill the dict")
    return mutator_state(dict=table)


def work(ext, state, thread_index, iterations):
    target = state["dict"]
    return mutate_and_read(
        state, thread_index, iterations,
        mutate=lambda: ext.dn_churn(target, PASSES),
        read=lambda n: ext.dn_read(target, n), overlapped=ext.dn_overlapped,
        chunk=CHUNK, min_overlaps=MIN_OVERLAPS, max_loops=100 * iterations)


def check(ext, state, returns):
    bad = sum(returns)
    if bad:
        twice, missed, strange = (ext.dn_bad_loops(kind) for kind in range(3))
        return (f"{bad} PyDict_Next loops went wrong: {twice} saw a key twice, {missed} "
                f"missed fixed keys, {strange} read a non-key")
    return None
