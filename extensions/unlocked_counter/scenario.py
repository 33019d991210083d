"""Every thread increments the unlocked C counter; none of the increments may be lost."""


def setup(ext):
    ext.uc_reset()


def work(ext, state, thread_index, iterations):
    ext.uc_increment(iterations)
    return iterations


def check(ext, state, returns):
    want, got = sum(returns), ext.uc_value()
    if got != want:
        return f"counter is {got}, want {want}: {want - got} increments lost"
    return None
