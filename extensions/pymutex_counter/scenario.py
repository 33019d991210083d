"""Every thread increments the C counter guarded by its PyMutex; none of the increments may be lost."""


def setup(ext):
    ext.pm_reset()


def work(ext, state, thread_index, iterations):
    ext.pm_increment(iterations)
    return iterations


def check(ext, state, returns):
    want, got = sum(returns), ext.pm_value()
    if got != want:
        return f"counter is {got}, want {want}: {want - got} increments lost"
    return None
