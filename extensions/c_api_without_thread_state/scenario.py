"""Every thread calls PyMem_Malloc with no thread state (inside Py_BEGIN_ALLOW_THREADS).
Expected on CPython: the process dies at the first call (a fatal error under
PYTHONMALLOC=debug). Where every call completes, the hazard did not show: held."""


def work(ext, state, thread_index, iterations):
    return ext.ct_malloc_detached(iterations), iterations


def check(ext, state, returns):
    done, want = sum(r[0] for r in returns), sum(r[1] for r in returns)
    if done != want:
        return f"PyMem_Malloc without a thread state failed: {done} of {want} blocks done"
    return None
