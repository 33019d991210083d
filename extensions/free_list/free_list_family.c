/* free_list family scaffolding: the blocks and their canaries, the churn loop, the
 * reset and the evidence. The list's own operations are each member's (see
 * free_list_family.h).
 *
 * Evidence: each block has an in-use canary, set on pop and cleared before push; a pop
 * that finds it already set is a block handed out twice. The final walk of the list is
 * bounded by the number of blocks and stops at the first block it sees twice, so a
 * corrupted list cannot hang the child.
 */
#include "free_list_family.h"

fl_block fl_blocks[FL_BLOCKS];
fl_block *fl_head;
static long fl_twice;           /* pops of a block already in use (atomic: evidence) */
static long fl_stolen;          /* a held block whose holder changed under it */

/* Setup: all blocks free and on the list, counters zero. */
void fl_reset(void)
{
    GC_ENTER();
    for (int i = 0; i < FL_BLOCKS; i++) {
        __atomic_store_n(&fl_blocks[i].in_use, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&fl_blocks[i].holder, 0, __ATOMIC_RELAXED);
    }
    fl_refill();
    __atomic_store_n(&fl_twice, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&fl_stolen, 0, __ATOMIC_RELAXED);
    GC_EXIT();
}

/* Pop a block, use it, push it back, `times` times; `holder` names the caller.
 * Returns how many pops found the list empty. */
long fl_churn(long holder, long times)
{
    long empty = 0;
    for (long i = 0; i < times; i++) {
        fl_block *block = fl_take();
        if (!block) {
            empty++;
            continue;
        }
        if (__atomic_exchange_n(&block->in_use, 1, __ATOMIC_ACQ_REL))
            __atomic_fetch_add(&fl_twice, 1, __ATOMIC_RELAXED);
        __atomic_store_n(&block->holder, holder, __ATOMIC_RELAXED);
        GC_SPIN();              /* use the block */
        if (__atomic_load_n(&block->holder, __ATOMIC_RELAXED) != holder)
            __atomic_fetch_add(&fl_stolen, 1, __ATOMIC_RELAXED);
        __atomic_store_n(&block->in_use, 0, __ATOMIC_RELEASE);
        fl_give(block);
    }
    return empty;
}

/* Evidence: 0 = blocks handed out twice, 1 = blocks used by two holders at once,
 * 2 = distinct blocks on the list (bounded walk), 3 = 1 if the walk met a block twice
 * (a cycle or a block listed twice). Called between rounds (no other thread runs). */
long fl_evidence(long what)
{
    unsigned char seen[FL_BLOCKS] = {0};
    long count = 0, repeated = 0;
    for (fl_block *b = fl_head; b && count <= FL_BLOCKS; b = b->next) {
        long index = b - fl_blocks;
        if (seen[index]) {
            repeated = 1;
            break;
        }
        seen[index] = 1;
        count++;
    }
    switch (what) {
    case 0: return __atomic_load_n(&fl_twice, __ATOMIC_RELAXED);
    case 1: return __atomic_load_n(&fl_stolen, __ATOMIC_RELAXED);
    case 2: return count;
    default: return repeated;
    }
}

long fl_blocks_count(void)
{
    return FL_BLOCKS;
}
