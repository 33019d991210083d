"""Never runs: the case does not compile."""


def work(ext, state, thread_index, iterations):
    return ext.ce_value()


def check(ext, state, returns):
    return None
