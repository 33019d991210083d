"""Every thread makes its updates, each in a critical section on one object; thread 0's
update half-way through takes the error path. Every update that succeeded must be
counted, and nothing may hang."""


def setup(ext):
    ext.cs_reset()


def work(ext, state, thread_index, iterations):
    return ext.cs_run(iterations, iterations // 2 if thread_index == 0 else -1)


def check(ext, state, returns):
    want, got = sum(returns), ext.cs_value()
    if got != want:
        return f"{got} updates counted, {want} made"
    return None
