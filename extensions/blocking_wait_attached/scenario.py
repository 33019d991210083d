"""Thread 0 waits on a C semaphore; thread 1 runs gc.collect(), then posts it. With the
wait made attached, neither can go on (a deadlock, seen as hung); with the wait made
released, thread 1 collects and posts, and thread 0 returns."""

import gc
import time


def setup(ext):
    ext.bw_reset()


def work(ext, state, thread_index, iterations):
    if thread_index == 0:
        return ext.bw_wait()
    time.sleep(0.01)        # let thread 0 start waiting
    gc.collect()            # a stop-the-world, where there is no GIL
    ext.bw_post()
    return 0


def check(ext, state, returns):
    if any(returns):
        return f"the wait failed: {returns}"
    return None
