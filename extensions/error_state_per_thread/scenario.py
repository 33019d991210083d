"""Even threads set an exception of their own, leave the GIL while it is set, and check
it is still theirs when they come back; odd threads check they never see an exception
(the two sides wait for each other to start; see the C file). Returns: the failed
checks of each thread."""


def setup(ext):
    ext.es_reset()


def work(ext, state, thread_index, iterations):
    if thread_index % 2 == 0:
        return ("setter", ext.es_setter(thread_index // 2, iterations))
    return ("observer", ext.es_observer(iterations * 4))


def check(ext, state, returns):
    lost = sum(n for role, n in returns if role == "setter")
    seen = sum(n for role, n in returns if role == "observer")
    if lost or seen:
        return (f"setters lost their own exception {lost} times; observers saw an "
                f"exception they never set {seen} times")
    return None
