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


class ThreadCalls:
    """What one thread's calls returned and raised, in call order."""

    def __init__(self, index):
        self.index = index
        self.returned = []
        self.raised = []         # (iteration, exception) pairs

    def __repr__(self):
        return (f"ThreadCalls({self.index}: {len(self.returned)} returned, "
                f"{len(self.raised)} raised)")


def run_calls_together(fn, threads=8, iterations=100):
    """Call ``fn(thread_index, iteration)`` ``iterations`` times in each of ``threads``
    threads released together; every call's return value or exception is kept."""
    def body(index):
        calls = ThreadCalls(index)
        for iteration in range(iterations):
            try:
                calls.returned.append(fn(index, iteration))
            except Exception as exc:  # noqa: BLE001 - the caller inspects them
                calls.raised.append((iteration, exc))
        return calls

    results = run_together(threads, body)
    for result in results:
        if result.error:        # only a BaseException escaping fn gets here
            raise RuntimeError("a stress thread failed:\n" + result.error)
    return [r.value for r in results]
