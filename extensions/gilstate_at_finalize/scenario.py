"""Each worker starts one C thread that loops PyGILState_Ensure / Python work /
Release for good; the check waits until every thread has cycled, and the child then
exits with them still looping, so its finalization races their Ensure calls (the
case's ``finalize`` phase: a crash or hang there is the result)."""

import time

CYCLES_PER_THREAD = 20      # each thread shown cycling before the exit begins
WAIT_S = 5.0


def work(ext, state, thread_index, iterations):
    ext.gf_start()


def check(ext, state, returns):
    want = CYCLES_PER_THREAD * ext.threads
    deadline = time.monotonic() + WAIT_S
    while ext.gf_calls() < want and time.monotonic() < deadline:
        time.sleep(0.005)
    if ext.gf_failures():
        return f"{ext.gf_failures()} Ensure cycles failed (a thread could not start, or its Python work went wrong)"
    if ext.gf_calls() < want:
        return (f"the C threads completed {ext.gf_calls()} Ensure cycles in {WAIT_S} s, "
                f"want {want}: Ensure from a new C thread does not get through")
    return None
