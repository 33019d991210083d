"""Every thread calls la_call_locked(callback) with a Python callback that calls
la_call_locked again (with a callback that does nothing): the inner call waits for the
mutex the outer one holds. Expected: the process deadlocks."""


def work(ext, state, thread_index, iterations):
    def leaf():
        return None

    def reenter():
        ext.la_call_locked(leaf)    # the same C function, under its own lock

    done = 0
    for _ in range(iterations):
        done += ext.la_call_locked(reenter) > 0
    return done


def check(ext, state, returns):
    return f"{sum(returns)} re-entrant calls under the C mutex returned (no deadlock)"
