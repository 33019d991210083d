"""Thread 0 keeps resizing one bytearray between 64 and 8192 bytes (on free-threaded
builds and PyPy every resize moves its buffer; its first 32 bytes, a fixed pattern,
move along) while the other threads read the pattern through a raw pointer into the
buffer (the family's reader: PyByteArray_AS_STRING in bytearray_resize_read, a buffer
export in bytearray_export_read). No read may see the pattern changed, and once the
readers are done the bytearray must resize again (no export left counted).

Readers go on until MIN_OVERLAPS of their reads (in all) saw the writer try a resize
meanwhile (see list_stale_size): with the GIL off, and, for a reader that lets the GIL
go while it holds an export, with a GIL too (there, only such overlap proves the pin). A round proves something only when
the writer resized at all, and, for a reader that pins the buffer with an export, when
some resizes were refused (on an interpreter that refuses them at all: PyPy lets a
bytearray resize under a held export by design, and there the proof is that resizes
were tried while readers held exports). A round that proves nothing is an error, not a
pass."""

import sys

from gilcompat.scenario import mutate_and_read, mutator_state

CHUNK = 100             # reads per br_read call
PASSES = 20             # grow-and-shrink pairs per br_churn call
MIN_OVERLAPS = 50


def setup(ext):
    sys.setswitchinterval(1e-4)     # with a GIL, hand it over quickly (own process)
    target = bytearray()
    if ext.br_reset(target) < 0:
        raise RuntimeError("br_reset could not size the bytearray")
    return mutator_state(bytearray=target, exports_pin=_exports_pin(target))


def _exports_pin(target):
    """Whether this interpreter refuses to resize a bytearray while a buffer export of
    it is held (CPython raises BufferError; PyPy's lib-python test_bytes says PyPy does
    not forbid it)."""
    view = memoryview(target)
    try:
        target.append(0)
    except BufferError:
        return True
    finally:
        view.release()
    del target[-1]
    return False


def work(ext, state, thread_index, iterations):
    target = state["bytearray"]
    return mutate_and_read(
        state, thread_index, iterations,
        mutate=lambda: ext.br_churn(target, PASSES),
        read=lambda n: ext.br_read(target, n), overlapped=ext.br_overlapped,
        chunk=CHUNK, min_overlaps=MIN_OVERLAPS, max_loops=100 * iterations,
        overlap_with_gil=bool(ext.br_pins()))


def check(ext, state, returns):
    bad = sum(returns)
    if bad:
        return (f"{bad} reads through a pointer into the bytearray saw its pattern changed "
                f"(the buffer moved and was freed under the reader) or failed; "
                f"{ext.br_resized()} resizes went through, {ext.br_refused()} were refused")
    try:
        state["bytearray"].append(0)    # no export is held now: a resize must go through
    except BufferError:
        return ("once every reader was done the bytearray still refused to resize: its "
                "export count leaked (updates to it were lost)")
    if not ext.br_resized():
        raise RuntimeError("the writer never resized the bytearray: the round proved nothing")
    if ext.br_pins() and not ext.br_overlapped():
        raise RuntimeError("the writer never tried a resize while a reader held an "
                           "export: the round proved nothing")
    if ext.br_pins() and state["exports_pin"] and not ext.br_refused():
        raise RuntimeError("no resize was refused while a reader held an export: "
                           "the round proved no pin")
    return None
