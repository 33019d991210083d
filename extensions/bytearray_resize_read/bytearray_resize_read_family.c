/* bytearray_resize_read family scaffolding.
 *
 * Guarantee: a reader's pointer into a bytearray's buffer stays valid while it reads.
 * How it breaks: with the GIL off, a reader that only took PyByteArray_AS_STRING
 * (bytearray_resize_read.c) reads the old buffer after a writer's PyByteArray_Resize
 * moved it and freed the old one. Fix: a buffer export, which makes every resize fail
 * with BufferError while it is held (bytearray_export_read).
 *
 * Here: the bytearray's reset, the writer, the reader's loop around the member's
 * br_take (each call under GC_ENTER, as a capi face's call holds the GIL), and the
 * counts the scenario checks. The writer alternates BR_SMALL and BR_LARGE bytes. On
 * free-threaded builds (mimalloc) and on PyPy every such resize moves the buffer
 * (realloc copies the pattern along; measured: 20,000 moves in 20,000 resizes), and
 * mimalloc writes its free-list link over a freed block's first bytes, so a late read
 * of the pattern sees its first 8 bytes changed. On GIL builds glibc resizes these
 * blocks in place (1 move in 20,000, at every large size tried up to 1 MiB): there the
 * GIL has little to protect, and no choice of sizes changes that.
 * No thread but the reset writes the pattern; readers only read.
 */
#include <string.h>

#include "bytearray_resize_read_family.h"

#define BR_SMALL 64
#define BR_LARGE 8192       /* both in mimalloc's small/medium pages: a freed one stays mapped */

/* Exactly BR_PREFIX characters (no room for, and no need of, a NUL). */
static const char br_pattern[BR_PREFIX] = "gilcompat: bytearray prefix 32B!";
static long br_attempts;    /* resizes the writer tried: atomic */
static long br_resizes;     /* ... that went through: atomic */
static long br_refusals;    /* ... that failed with BufferError (an export held): atomic */
static long br_overlaps;    /* reads during which the writer tried a resize: atomic */

int br_prefix_intact(const char *bytes)
{
    return memcmp(bytes, br_pattern, BR_PREFIX) == 0;
}

/* Setup, between rounds: make `ba` BR_SMALL bytes starting with the pattern, and zero
 * the counts. Returns its size, or -1. gilcompat: single-threaded */
long br_reset(PyObject *ba)
{
    long size = -1;
    GC_ENTER();
    __atomic_store_n(&br_attempts, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&br_resizes, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&br_refusals, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&br_overlaps, 0, __ATOMIC_RELAXED);
    if (PyByteArray_Check(ba) && PyByteArray_Resize(ba, BR_SMALL) == 0) {
        memcpy(PyByteArray_AS_STRING(ba), br_pattern, BR_PREFIX);
        size = (long)PyByteArray_GET_SIZE(ba);
    }
    PyErr_Clear();
    GC_EXIT();
    return size;
}

/* One resize, counted. A BufferError (an export is held) is a refusal, not an error:
 * cleared. Returns 0, or -1 on any other failure (cleared too). */
static int br_resize(PyObject *ba, Py_ssize_t size)
{
    __atomic_fetch_add(&br_attempts, 1, __ATOMIC_RELAXED);
    if (PyByteArray_Resize(ba, size) == 0) {
        __atomic_fetch_add(&br_resizes, 1, __ATOMIC_RELAXED);
        return 0;
    }
    int refused = PyErr_ExceptionMatches(PyExc_BufferError);
    PyErr_Clear();
    if (!refused)
        return -1;
    __atomic_fetch_add(&br_refusals, 1, __ATOMIC_RELAXED);
    return 0;
}

/* The writer: `passes` times, grow to BR_LARGE and shrink back to BR_SMALL (each one
 * moves the buffer and frees the old). Returns -1 when a resize failed otherwise than
 * by a refusal. */
long br_churn(PyObject *ba, long passes)
{
    long status = 0;
    GC_ENTER();
    for (long p = 0; p < passes && status == 0; p++) {
        status = br_resize(ba, BR_LARGE);
        if (status == 0)
            status = br_resize(ba, BR_SMALL);
    }
    GC_EXIT();
    return status;
}

/* The reader: `reads` reads (br_take). Returns how many saw the pattern changed or
 * failed. */
long br_read(PyObject *ba, long reads)
{
    long bad = 0;
    GC_ENTER();
    for (long r = 0; r < reads; r++) {
        long attempts = __atomic_load_n(&br_attempts, __ATOMIC_RELAXED);
        int intact = br_take(ba);
        if (intact < 0)
            PyErr_Clear();
        bad += intact != 1;
        if (__atomic_load_n(&br_attempts, __ATOMIC_RELAXED) != attempts)
            __atomic_fetch_add(&br_overlaps, 1, __ATOMIC_RELAXED);
    }
    GC_EXIT();
    return bad;
}

/* The counts since br_reset, for the scenario. */
long br_overlapped(void) { return __atomic_load_n(&br_overlaps, __ATOMIC_RELAXED); }
long br_resized(void) { return __atomic_load_n(&br_resizes, __ATOMIC_RELAXED); }
long br_refused(void) { return __atomic_load_n(&br_refusals, __ATOMIC_RELAXED); }
long br_pins(void) { return br_reader_pins; }
