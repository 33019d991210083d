"""Every thread increments the C counter with one atomic add; none of the increments may be lost."""


def setup(ext):
    ext.ac_reset()


def work(ext, state, thread_index, iterations):
    ext.ac_increment(iterations)
    return iterations


def check(ext, state, returns):
    want, got = sum(returns), ext.ac_value()
    if got != want:
        return f"counter is {got}, want {want}: {want - got} increments lost"
    return None
