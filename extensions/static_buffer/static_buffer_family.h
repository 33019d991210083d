/* static_buffer family: what the members share. The scaffolding
 * (static_buffer_family.c) calls the function under test and checks each str it
 * returns; each member defines the function, with the buffer it formats in: the hazard
 * (static_buffer.c, one static buffer) or its fix (thread_local_state, one per thread). */
#include "gilcompat.h"

/* The function under test: `number` as a str ("item-<number>"), or NULL with an
 * exception set. */
PyObject *sb_name(long number);
