"""Thread 1 crashes the process; thread 0 does nothing."""


def work(ext, state, thread_index, iterations):
    if thread_index == 1:
        ext.cc_crash(0)


def check(ext, state, returns):
    return None
