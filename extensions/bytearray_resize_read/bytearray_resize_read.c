/* bytearray_resize_read
 *
 * Guarantee: a pointer from PyByteArray_AS_STRING() stays valid while the C code that
 * took it reads through it, inside PyGILState_Ensure(), because the GIL keeps every
 * other thread from resizing the bytearray (PyByteArray_Resize reallocates the buffer
 * and frees the old one) in between.
 * How it breaks: with the GIL off a writer resizes the bytearray during the spin; the
 * reader reads through its pointer into the freed old buffer, whose first bytes the
 * allocator has reused (its free list), so the pattern is gone (or it crashes).
 * Fix: pin the buffer with a buffer export (PyObject_GetBuffer ... PyBuffer_Release):
 * while one is held, PyByteArray_Resize fails with BufferError (bytearray_export_read).
 *
 * The bytearray, the writer, the reader's loop and the pattern are the family's
 * (bytearray_resize_read_family.c); this file holds only the reader's read.
 */
#include "bytearray_resize_read_family.h"

const int br_reader_pins = 0;       /* no export: only the GIL holds the buffer still */

int br_take(PyObject *ba)
{
    const char *bytes = PyByteArray_AS_STRING(ba);     /* raw, unpinned */
    Py_ssize_t size = PyByteArray_GET_SIZE(ba);
    GC_SPIN();                      /* the window: the writer may move the buffer now */
    return size >= BR_PREFIX && br_prefix_intact(bytes);
}
