/* free_list family: what the members share (free_list_family.c keeps the list; each
 * member makes a pop and a push one step its own way). */
#include "gilcompat.h"

typedef struct fl_block fl_block;

/* The raw list operations, unguarded, each with the window the GIL used to cover. */
fl_block *fl_pop(void);
void fl_push(fl_block *block);

/* The member's: pop one block (NULL when empty) / push one back, as one step. */
fl_block *fl_take(void);
void fl_give(fl_block *block);
