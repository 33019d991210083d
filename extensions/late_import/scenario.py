"""Every thread enters the module's GIL-held region again and again; the module counts
the most threads ever inside it together, which must stay 1 while the GIL is on."""


def setup(ext):
    ext.li_reset()


def work(ext, state, thread_index, iterations):
    ext.li_occupy(iterations)
    return iterations


def check(ext, state, returns):
    most = ext.li_most()
    if most > 1:
        return f"{most} threads were inside the module's GIL-held C code at once"
    return None
