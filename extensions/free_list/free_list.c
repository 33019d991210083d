/* free_list
 *
 * Guarantee: a C free list of blocks that every thread pops from and pushes back to
 * inside PyGILState_Ensure() stays a list: each block is handed to one holder at a
 * time, and every block comes back. The GIL makes each pop and push one step.
 * How it breaks: with the GIL off two threads pop the same head during the spin (one
 * block handed out twice), or push at the same time (one block lost); a block pushed
 * while still on the list makes a cycle.
 * Fix: guard the list with its own lock, a PyMutex around pop and push
 * (free_list_locked), or keep one free list per thread (_Thread_local).
 *
 * The list, its canaries and the evidence are the family's (free_list_family.c); this
 * file holds only the list itself: a pop and a push, each one step under the GIL.
 */
#include "free_list_family.h"

fl_block *fl_take(void)
{
    GC_ENTER();
    fl_block *block = fl_head;
    GC_SPIN();                  /* the window between reading and unlinking the head */
    if (block)
        fl_head = block->next;
    GC_EXIT();
    return block;
}

void fl_give(fl_block *block)
{
    GC_ENTER();
    block->next = fl_head;
    GC_SPIN();                  /* the window between linking and publishing */
    fl_head = block;
    GC_EXIT();
}

void fl_refill(void)
{
    fl_head = NULL;
    for (int i = FL_BLOCKS - 1; i >= 0; i--) {
        fl_blocks[i].next = fl_head;
        fl_head = &fl_blocks[i];
    }
}
