"""Every thread formats its own number through the shared static buffer; every str it
gets back must hold its own number.

Under load a thread's whole batch fits in one scheduler slice and wake-ups from the
barrier are staggered by tens of milliseconds, so batches would run one after another.
With the GIL off every thread therefore keeps churning in small batches until all
the case's threads have done their share, or a short deadline passes. With the
GIL on the batches interleave anyway (and PyPy's unfair GIL would starve a straggler)."""

from gilcompat.scenario import churn

BATCH = 200


def setup(ext):
    return {"finished": set()}


def work(ext, state, thread_index, iterations):
    number = 111111 * (thread_index + 1)
    return churn(lambda n: ext.sb_format(number, n), BATCH, iterations, thread_index,
                 state["finished"], ext.threads)


def check(ext, state, returns):
    wrong = {i: n for i, n in enumerate(returns) if n}
    if wrong:
        detail = ", ".join(f"thread {i}: {n}" for i, n in wrong.items())
        return f"{sum(wrong.values())} strs held another thread's number ({detail})"
    return None
