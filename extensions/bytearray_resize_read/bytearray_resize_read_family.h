/* bytearray_resize_read family: what the members share. The scaffolding
 * (bytearray_resize_read_family.c) keeps one bytearray whose first BR_PREFIX bytes
 * hold a fixed pattern, a writer that keeps resizing it between a small and a large
 * size (each resize moves the buffer; the pattern goes with it), and readers that read
 * the pattern through a raw pointer. Each member defines one such read: the hazard
 * (bytearray_resize_read.c: PyByteArray_AS_STRING, relying on the GIL) or its fix
 * (bytearray_export_read: a buffer export, which forbids resizing while held). */
#include "gilcompat.h"

#define BR_PREFIX 32        /* the invariant pattern's length: the small size holds it */

/* Whether the BR_PREFIX bytes at `bytes` still hold the pattern. */
int br_prefix_intact(const char *bytes);

/* One read of `ba`'s pattern through a raw pointer, with the window (GC_SPIN) between
 * taking the pointer and reading through it. Returns 1 when the pattern was intact, 0
 * when it was not (the pointer led to moved, freed memory), -1 with an exception set. */
int br_take(PyObject *ba);

/* 1 when the member's reader pins the buffer with an export, so the writer must see
 * some resizes refused (the proof the pin held); 0 when it relies on the GIL. */
extern const int br_reader_pins;
