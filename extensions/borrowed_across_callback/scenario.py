"""One thread searches a list for an object whose __eq__ clears the list, holding the
list's first item as a borrowed reference meanwhile; that item may not be found freed
afterwards. It always is: the hazard needs no second thread."""

import gc
import sys

# PyPy frees an object made by C code only once its GC has run (twice, as measured on
# PyPy 3.9): run it in __eq__ (three times, to be sure).
_COLLECTS = 3 if sys.implementation.name == "pypy" else 0


class ClearsOnEq:
    """Compares unequal to everything, after emptying the list it was given."""

    def __init__(self, target):
        self.target = target

    def __eq__(self, other):
        del self.target[:]
        for _ in range(_COLLECTS):
            gc.collect()
        return False

    __hash__ = None


def setup(ext):
    return None


def work(ext, state, thread_index, iterations):
    freed = 0
    for _ in range(iterations):
        items = []
        if ext.bc_fill(items, 4) != 4:
            raise RuntimeError("bc_fill did not fill the list")
        found = ext.bc_compare(items, ClearsOnEq(items))
        if found < 0:
            raise RuntimeError("bc_compare: the comparison raised")
        freed += found
    return freed


def check(ext, state, returns):
    freed = sum(returns)
    if freed:
        return (f"{freed} times the list's first item, held as a borrowed reference, was "
                f"freed (poisoned) by an __eq__ that emptied the list before C read it")
    return None
