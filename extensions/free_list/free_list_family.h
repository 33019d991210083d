/* free_list family: what the members share. free_list_family.c keeps the blocks, their
 * canaries, the churn loop and the evidence; each member keeps the list itself: how a
 * block is popped, pushed, and how every block is put back on it. */
#include "gilcompat.h"

#define FL_BLOCKS 64

typedef struct fl_block {
    struct fl_block *next;
    int in_use;                 /* the canary: set while a holder has the block (atomic) */
    long holder;                /* who holds it, checked before giving it back (atomic) */
} fl_block;

extern fl_block fl_blocks[FL_BLOCKS];
extern fl_block *fl_head;

/* The member's: pop one block (NULL when empty) / push one back / put every block on
 * the list (setup), each as one step. */
fl_block *fl_take(void);
void fl_give(fl_block *block);
void fl_refill(void);
