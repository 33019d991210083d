"""Every thread pops a block from a shared C free list, marks it in use, uses it and
pushes it back. No block may be handed out twice, and after the round the list must
hold every block once.

With the GIL off every thread keeps churning in batches until all the case's threads (as in
case.toml) have done their share, or a short deadline passes: wake-ups are staggered and
a whole share fits in one scheduler slice, so shares alone would not overlap."""

from gilcompat.scenario import churn

BATCH = 200


def setup(ext):
    ext.fl_reset()
    return {"finished": set()}


def work(ext, state, thread_index, iterations):
    return churn(lambda n: ext.fl_churn(thread_index + 1, n), BATCH, iterations,
                 thread_index, state["finished"], ext.threads)


def check(ext, state, returns):
    twice, stolen = ext.fl_evidence(0), ext.fl_evidence(1)
    listed, cycle, blocks = ext.fl_evidence(2), ext.fl_evidence(3), ext.fl_blocks_count()
    problems = []
    if twice or stolen:
        problems.append(f"{twice} pops handed out a block already in use, "
                        f"{stolen} blocks changed holder while held")
    if cycle:
        problems.append(f"the list meets a block twice (a cycle) after {listed} blocks")
    elif listed != blocks:
        problems.append(f"the list holds {listed} of {blocks} blocks")
    if sum(returns):
        problems.append(f"{sum(returns)} pops found the list empty")
    return "; ".join(problems) or None
