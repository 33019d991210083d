/* dict_next_unlocked family: what the members share. The scaffolding
 * (dict_next_unlocked_family.c) fills the dict, runs the mutator and the reader's loops
 * and keeps the evidence; each member defines one PyDict_Next loop over the dict: the
 * hazard (dict_next_unlocked.c) or its fix (dict_next_critical). */
#include "gilcompat.h"

/* Note one key (borrowed) that a loop found in `seen`, the loop's tally (the caller's). */
void dn_saw(int *seen, PyObject *key);
/* One PyDict_Next loop over `dict`, spinning after each entry and noting each key. */
void dn_loop(PyObject *dict, int *seen);
