/* blocking_wait_attached family: what the members share. One thread waits on a C
 * semaphore that another thread posts after a gc.collect(); each member defines how
 * the wait is made: with the thread state attached (blocking_wait_attached.c) or
 * released around it (blocking_wait_detached). */
#include "gilcompat.h"
#include <semaphore.h>

extern sem_t bw_posted;

/* Wait until bw_post(); returns 0 (or -1 if the semaphore failed). */
long bw_wait(void);
