"""Every thread increments the shared C counter; none of the increments may be lost."""


def setup(ext):
    ext.gc_reset()


def work(ext, state, thread_index, iterations):
    ext.gc_increment(iterations)
    return iterations


def check(ext, state, returns):
    want, got = sum(returns), ext.gc_value()
    if got != want:
        return f"counter is {got}, want {want}: {want - got} increments lost"
    return None
