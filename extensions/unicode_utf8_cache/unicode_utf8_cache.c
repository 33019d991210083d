/* unicode_utf8_cache
 *
 * Guarantee (interpreter): PyUnicode_AsUTF8AndSize() on a str whose UTF-8 form is not
 * cached yet, called from many threads at once, gives every caller the same bytes and
 * length. The first call encodes and caches the UTF-8 copy inside the str; with a GIL
 * only one thread can be doing that.
 * How it would break: without a GIL two threads fill the cache at once and a caller
 * sees a buffer and a length that do not belong together, or a buffer being replaced.
 * Free-threaded 3.13.0-3.13.1 had this race (CPython gh-128013; 3.13.2 fills the cache
 * inside the str's critical section).
 * Fix: none in the extension; this is the interpreter's job.
 *
 * How the first calls are made to overlap: every thread works on the same "current"
 * str of a list of fresh ones; the list moves on only once two threads have had their
 * answer for the current str (or after 1 ms). The thread that answered first waits
 * for the second spinning, so both see the list move on within nanoseconds and make
 * their first call on the next str together. The threads stay in step without a
 * barrier: a thread descheduled for a while only slows the others down.
 */
#include "gilcompat.h"
#include <sched.h>
#include <string.h>
#include <time.h>

#define UU_MAX_STRS 4096

static long uu_current;                 /* index of the str every thread works on */
static long uu_answered[UU_MAX_STRS];   /* threads that have checked each str */
static long uu_entered;                 /* threads that have arrived this round */

void uu_reset(void)
{
    memset(uu_answered, 0, sizeof uu_answered);
    __atomic_store_n(&uu_entered, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&uu_current, 0, __ATOMIC_RELEASE);
}

static long uu_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

/* Let another thread in: with a GIL this is where it can take it. */
static void uu_yield(void)
{
    Py_BEGIN_ALLOW_THREADS
    sched_yield();
    Py_END_ALLOW_THREADS
}

/* Whether PyUnicode_AsUTF8AndSize(s) gives exactly the bytes of `want`. */
static int uu_answer_ok(PyObject *s, PyObject *want)
{
    Py_ssize_t size = -1;
    const char *utf8 = PyUnicode_AsUTF8AndSize(s, &size);
    if (!utf8) {
        PyErr_Clear();
        return 0;
    }
    return size == PyBytes_GET_SIZE(want) && utf8[size] == '\0' &&
           memcmp(utf8, PyBytes_AS_STRING(want), (size_t)size) == 0;
}

/* Work through `strs` with the other threads (see above), checking every answer
 * against `expected` (the bytes each str was decoded from). Returns how many calls
 * gave the wrong bytes or length, or failed. */
long uu_encode_all(PyObject *strs, PyObject *expected)
{
    long bad = 0, mine = -1, since = 0;
    GC_ENTER();
    long n = (long)PyList_GET_SIZE(strs);
    if (n > UU_MAX_STRS)
        n = UU_MAX_STRS;
    /* Wake-ups are staggered: wait (up to 100 ms) for a second thread to arrive. */
    long arrived = __atomic_add_fetch(&uu_entered, 1, __ATOMIC_ACQ_REL), start = uu_now_us();
    while (arrived < 2 && (arrived = __atomic_load_n(&uu_entered, __ATOMIC_ACQUIRE)) < 2 &&
           uu_now_us() - start < 100000)
        uu_yield();
    long i;
    while ((i = __atomic_load_n(&uu_current, __ATOMIC_ACQUIRE)) < n) {
        bad += !uu_answer_ok(PyList_GET_ITEM(strs, i), PyList_GET_ITEM(expected, i));
        if (i != mine) {        /* this thread's first answer for str i */
            mine = i;
            since = uu_now_us();
            __atomic_add_fetch(&uu_answered[i], 1, __ATOMIC_ACQ_REL);
        }
        /* Wait for a second answer: spin a few microseconds (so as to be on the CPU,
         * ready, when the next str comes up), then let the others in. */
        for (long t0 = uu_now_us(); uu_now_us() - t0 < 20;)
            if (__atomic_load_n(&uu_answered[i], __ATOMIC_ACQUIRE) >= 2 ||
                    __atomic_load_n(&uu_current, __ATOMIC_ACQUIRE) != i)
                break;
        if (__atomic_load_n(&uu_answered[i], __ATOMIC_ACQUIRE) >= 2 ||
                uu_now_us() - since > 1000)
            __atomic_compare_exchange_n(&uu_current, &i, i + 1, 0,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
        else if (__atomic_load_n(&uu_current, __ATOMIC_ACQUIRE) == i)
            uu_yield();
    }
    GC_EXIT();
    return bad;
}
