"""Every thread gets, name after name, the module PyImport_AddModuleRef gives for the
same fresh names; for each name every thread must get the same module object.

A thread that falls behind only finds modules the others made, which is faster than
making them, so the threads meet at the front of the walk, where modules are created.
With the GIL off they walk in batches until every thread is done, so the walks
overlap although wake-ups are staggered."""

import itertools

from gilcompat.scenario import churn

BATCH = 500
_rounds = itertools.count(1)


def setup(ext):
    ext.am_reset(next(_rounds))
    return {"finished": set()}


def work(ext, state, thread_index, iterations):
    return churn(lambda n: ext.am_walk(thread_index, n), BATCH, iterations, thread_index,
                 state["finished"], ext.threads)


def check(ext, state, returns):
    bad = ext.am_mismatches()
    if bad:
        return f"{bad} names got two different module objects from PyImport_AddModuleRef"
    return None
