"""Thread 0 holds a C mutex and asks for the GIL, `iterations` times in one call;
thread 1 holds the GIL and asks for the mutex, CHUNK times per call, until thread 0 is
done: it stays attached in C code nearly all the time, where a stop-the-world cannot
park it; thread 2 calls gc.collect() meanwhile, so that with the GIL off a
stop-the-world makes thread 0 wait as the GIL would. Expected: the process deadlocks,
at the first collection that starts while thread 1 is in a call.
Run with threads = 3 (roles repeat by thread_index % 3)."""

import gc
import time

CHUNK = 50      # thread 1's mutex takes per call: it stays attached in C between them
# HEAD_START: threads 1 and 2 wait this long, so thread 0 holds the mutex first. The
# mutex is not fair: whoever holds it takes it back at once, so thread 1 then waits on
# it, attached, and the first stop-the-world closes the cycle. Started together, thread
# 1 could win the mutex instead and keep it; with the GIL off the cycle then formed
# only after seconds (up to the 10 s timeout), in about one cell in three (measured on
# 3.13t, capi/gil0: 0.18-4.4 s; with the head start 0.18-0.31 s over 10 runs).
HEAD_START_S = 0.005


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
    time.sleep(HEAD_START_S)
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
