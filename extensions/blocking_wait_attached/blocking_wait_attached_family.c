/* blocking_wait_attached family scaffolding: the semaphore, its reset and its post
 * (the post needs no thread state: it is plain C). */
#include "blocking_wait_attached_family.h"

sem_t bw_posted;
static int bw_made;

/* Setup, between rounds: a semaphore with nothing posted. */
void bw_reset(void)
{
    if (__atomic_exchange_n(&bw_made, 1, __ATOMIC_RELAXED))
        sem_destroy(&bw_posted);        /* the last round's */
    sem_init(&bw_posted, 0, 0);
}

void bw_post(void)
{
    sem_post(&bw_posted);
}
