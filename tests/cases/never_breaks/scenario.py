"""Each thread increments the locked counter; none is ever lost."""


def setup(ext):
    ext.nb_reset()


def work(ext, state, thread_index, iterations):
    ext.nb_increment(iterations)
    return iterations


def check(ext, state, returns):
    got = ext.nb_value()
    return None if got == sum(returns) else f"counter is {got}, want {sum(returns)}"
