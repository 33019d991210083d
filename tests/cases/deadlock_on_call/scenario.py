"""Every thread waits forever in C."""


def work(ext, state, thread_index, iterations):
    ext.dl_wait(0)


def check(ext, state, returns):
    return None
