"""Every thread bumps its module's counter; none of the increments may be lost, and
where each thread runs in an interpreter of its own, each module counts only its own
thread's increments (the state is per module, so per interpreter)."""


def setup(ext):
    ext.msc_reset()


def work(ext, state, thread_index, iterations):
    ext.msc_increment(iterations)
    return iterations


def check(ext, state, returns):
    own = getattr(ext, "interpreter_index", None)     # set in the subinterp mode
    want, got = (sum(returns) if own is None else returns[own]), ext.msc_value()
    if got != want:
        return f"the module's counter is {got}, want {want}"
    return None
