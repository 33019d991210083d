/* spin_forever (test fixture, not a corpus case)
 *
 * Guarantee: none; this case exists to prove the harness's timeout catches a child
 * that never sleeps (a livelock the deadlock detector cannot see).
 * How it breaks: sf_spin() loops forever, burning CPU.
 * Fix: not applicable.
 */
#include "gilcompat.h"

void sf_spin(long unused)
{
    (void)unused;
    for (;;) {
        gilcompat_spin_for(1000);
    }
}
