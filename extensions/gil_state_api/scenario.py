"""Every thread runs `iterations` nested Ensure/Check/Release rounds itself, then starts
four pthreads Python has never seen; each makes its first Ensure three times (a fresh
thread state each time, costly on free-threaded builds) with nested rounds on top. All
rounds run Python code. Returns: each thread's failed checks."""

PTHREADS, CYCLES = 4, 3


def work(ext, state, thread_index, iterations):
    return (ext.gs_nested(iterations)
            + ext.gs_foreign(PTHREADS, CYCLES, iterations // (10 * PTHREADS * CYCLES)))


def check(ext, state, returns):
    bad = sum(returns)
    if bad:
        return (f"{bad} PyGILState checks failed (Check false inside Ensure, Python code "
                f"failing, or a pthread not started)")
    return None
