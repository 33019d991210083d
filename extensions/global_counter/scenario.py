"""Every thread increments the family's C counter; none of the increments may be lost.

Where each thread runs in an interpreter of its own (the subinterp mode), a counter kept
per module (gc_per_module() is 1: module_state_counter) counts only its own
interpreter's thread; a counter in a C global (gc_per_module() is 0: the other members)
counts every thread's increments, as it does in one interpreter."""


def setup(ext):
    ext.gc_reset()


def work(ext, state, thread_index, iterations):
    ext.gc_increment(iterations)
    return iterations


def check(ext, state, returns):
    own = getattr(ext, "interpreter_index", None)     # set in the subinterp mode
    per_module = own is not None and ext.gc_per_module() == 1
    want, got = (returns[own] if per_module else sum(returns)), ext.gc_value()
    if got != want:
        where = "the module's counter" if per_module else "counter"
        wrong = (f"{want - got} increments lost" if got < want else
                 f"{got - want} more than its threads made")
        return f"{where} is {got}, want {want}: {wrong}"
    return None
