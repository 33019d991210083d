/* free_list_locked
 *
 * Guarantee: a C free list that every thread pops from and pushes back to stays a
 * list, with the GIL or without, when each pop and each push runs under the list's
 * own PyMutex: each block is handed to one holder at a time, and every block comes back.
 * How it could break: only if the mutex failed to exclude.
 * Fix (this is the fix for free_list): the same family, the pop and the push under
 * one lock of the list's own (PyMutex_Lock detaches while it waits, so a waiting
 * thread never holds up the GIL or a stop-the-world).
 */
#include "free_list_family.h"

static PyMutex fl_lock;

fl_block *fl_take(void)
{
    GC_ENTER();
    PyMutex_Lock(&fl_lock);
    fl_block *block = fl_head;
    GC_SPIN();                  /* the same window, now under the lock */
    if (block)
        fl_head = block->next;
    PyMutex_Unlock(&fl_lock);
    GC_EXIT();
    return block;
}

void fl_give(fl_block *block)
{
    GC_ENTER();
    PyMutex_Lock(&fl_lock);
    block->next = fl_head;
    GC_SPIN();
    fl_head = block;
    PyMutex_Unlock(&fl_lock);
    GC_EXIT();
}

void fl_refill(void)
{
    PyMutex_Lock(&fl_lock);
    fl_head = NULL;
    for (int i = FL_BLOCKS - 1; i >= 0; i--) {
        fl_blocks[i].next = fl_head;
        fl_head = &fl_blocks[i];
    }
    PyMutex_Unlock(&fl_lock);
}
