"""Thread 0 holds a C mutex and asks for the GIL, `iterations` times in one call;
thread 1 holds the GIL and asks for the mutex, CHUNK times per call, until thread 0 is
done: it stays attached in C code nearly all the time, where a stop-the-world cannot
park it; thread 2 calls gc.collect() meanwhile, so that with the GIL off a
stop-the-world makes thread 0 wait as the GIL would. Expected: the process deadlocks,
at the first collection that starts while thread 1 is in a call.
Run with threads = 3 (roles repeat by thread_index % 3)."""

import gc

CHUNK = 50      # thread 1's mutex takes per call: it stays attached in C between them


def setup(ext):
    ext.lo_reset()
    return {"mutex_first_done": []}


def work(ext, state, thread_index, iterations):
    role = thread_index % 3
    if role == 0:
        done = ext.lo_mutex_then_gil(iterations)
        state["mutex_first_done"].append(thread_index)
        return done
    done = 0
    while not state["mutex_first_done"]:
        if role == 1:
            done += ext.lo_gil_then_mutex(CHUNK)
        else:
            gc.collect()
    return done


def check(ext, state, returns):
    want, got = sum(returns), ext.lo_value()
    if got != want:
        return f"shared is {got}, want {want}"
    return None     # no deadlock this round
