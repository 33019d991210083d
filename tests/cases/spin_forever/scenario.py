"""The only thread spins in C forever."""


def work(ext, state, thread_index, iterations):
    ext.sf_spin(0)


def check(ext, state, returns):
    return None
