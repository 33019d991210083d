"""Thread helpers for the stress engine, in the spirit of test.support.threading_helper.

Runs in the child: standard library only, imported lazily where it is rarely needed.
"""

import threading


class ThreadReturn:
    def __init__(self):
        self.value = None
        self.error = None       # formatted traceback when the thread raised


class JoinedThreads:
    """A context that starts threads and always joins them, even when the body raises."""

    def __init__(self, threads):
        self.threads = threads

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        for thread in self.threads:
            thread.join()
        return False


def run_together(count, target):
    """Run ``target(i)`` for i in range(count), each in its own thread, released at once
    by a barrier; return what each returned or raised, in index order."""
    barrier = threading.Barrier(count)
    returns = [ThreadReturn() for _ in range(count)]

    def body(index):
        try:
            barrier.wait()
            returns[index].value = target(index)
        except BaseException:  # noqa: BLE001 - reported to the caller, not swallowed
            import traceback   # only on failure: not paid by every cell
            returns[index].error = traceback.format_exc()
            barrier.abort()

    threads = [threading.Thread(target=body, args=(i,), name=f"gilcompat-worker-{i}",
                                daemon=True) for i in range(count)]
    with JoinedThreads(threads):
        pass
    return returns
