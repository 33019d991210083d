"""Every thread calls op(code) with codes of its own, then last_error(), from Python;
it must get its own code back. A tiny switch interval makes GIL builds switch threads
between the two calls. Returns: each thread's wrong answers."""

import sys


def setup(ext):
    sys.setswitchinterval(1e-6)     # each cell is its own process: no need to restore


def work(ext, state, thread_index, iterations):
    op, last = ext.gle_op, ext.gle_last
    wrong = 0
    for i in range(iterations):
        code = thread_index * 1_000_000 + i + 1
        op(code)
        if last() != code:
            wrong += 1
    return wrong


def check(ext, state, returns):
    wrong = sum(returns)
    if wrong:
        return f"{wrong} last_error() calls returned another thread's error code"
    return None
