"""Every thread increments a C global from Python with `set(get() + 1)`; on every build
some increments are lost (a tiny switch interval makes GIL builds switch in between)."""

import sys


def setup(ext):
    sys.setswitchinterval(1e-6)     # each cell is its own process: no need to restore
    ext.sac_set(0)


def work(ext, state, thread_index, iterations):
    get, put = ext.sac_get, ext.sac_set
    for _ in range(iterations):
        put(get() + 1)
    return iterations


def check(ext, state, returns):
    want, got = sum(returns), ext.sac_get()
    if got != want:
        return f"value is {got}, want {want}: {want - got} updates lost"
    return None
