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
 * file holds only what the GIL covered: a pop and a push, each as one step.
 */
#include "free_list_family.h"

fl_block *fl_take(void)
{
    GC_ENTER();
    fl_block *block = fl_pop();
    GC_EXIT();
    return block;
}

void fl_give(fl_block *block)
{
    GC_ENTER();
    fl_push(block);
    GC_EXIT();
}
