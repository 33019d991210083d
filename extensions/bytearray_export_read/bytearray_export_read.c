/* bytearray_export_read
 *
 * Guarantee: while a buffer export of a bytearray is held (PyObject_GetBuffer until
 * PyBuffer_Release), the memory it points at stays the bytearray's, with or without
 * the GIL: on CPython every PyByteArray_Resize fails with BufferError meanwhile (PyPy
 * lets the resize through by design, and then owes the export its memory: measured,
 * it does not always keep it, see case.toml). So the
 * reader may even release the GIL while it reads, as it does here: the export, not the
 * GIL, is what holds the buffer still, and the writer sees some resizes refused.
 * How it could break: only if the bytearray's export count and its resize check were
 * not thread-safe, so a resize slipped past a held export (the interpreter's part).
 * Fix (this is the fix for bytearray_resize_read): read through an export's buf, not
 * through PyByteArray_AS_STRING.
 *
 * The same family (bytearray_resize_read_family.c: the bytearray, the writer, the
 * reader's loop, the pattern), with this read.
 */
#include "bytearray_resize_read_family.h"

const int br_reader_pins = 1;       /* the writer must see refusals: the pin's proof */

int br_take(PyObject *ba)
{
    Py_buffer view;
    if (PyObject_GetBuffer(ba, &view, PyBUF_SIMPLE) < 0)
        return -1;
    int intact;
    Py_BEGIN_ALLOW_THREADS          /* the export alone holds the buffer now */
    GC_SPIN();                      /* the same window: the writer tries to resize now */
    intact = view.len >= BR_PREFIX && br_prefix_intact(view.buf);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return intact;
}
