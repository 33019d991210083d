/* add_module_ref_once
 *
 * Guarantee (the interpreter's): concurrent PyImport_AddModuleRef() calls for one name
 * that is not in sys.modules yet all return the same module, the one sys.modules keeps.
 * How it breaks: the lookup and the insert are two steps; with the GIL off two threads
 * both miss, both create a module, and one of them holds a module sys.modules never
 * saw (python/cpython gh-137422: extensions that lazily create a shared state module
 * this way end up with two copies of their "global" state).
 * Fix: the interpreter's (the lookup-or-insert made one step: gh-137422's fix); an
 * extension avoids depending on it by creating such modules at import.
 *
 * Every thread walks the same fresh names in the same order; a thread that falls
 * behind only finds modules (faster than creating them), so it catches up and the
 * threads meet at the front, where the modules are made. Each thread notes the module
 * it got per name; for each name every note must be the same object.
 */
#include "gilcompat.h"
#include <string.h>

#define AM_NAMES 65536
#define AM_THREADS 16

static uintptr_t am_got[AM_NAMES][AM_THREADS];   /* the module each thread got */
static long am_pos[AM_THREADS];                  /* each thread's next name */
static long am_round;

static void am_name(char *buffer, size_t size, long round, long index)
{
    snprintf(buffer, size, "_gilcompat_add_module_ref_%ld_%ld", round, index);
}

/* Setup: forget the last round's modules, start round `round` with fresh names. */
void am_reset(long round)
{
    char name[96];
    GC_ENTER();
    PyObject *modules = PyImport_GetModuleDict();
    long walked = 0;
    for (int t = 0; t < AM_THREADS; t++)
        walked = am_pos[t] > walked ? am_pos[t] : walked;
    for (long i = 0; i < walked; i++) {
        am_name(name, sizeof name, am_round, i);
        if (PyDict_DelItemString(modules, name) < 0)
            PyErr_Clear();
    }
    memset(am_got, 0, sizeof am_got);
    memset(am_pos, 0, sizeof am_pos);
    am_round = round;
    GC_EXIT();
}

/* Thread `thread` gets the module of its next `count` names; returns how many. */
long am_walk(long thread, long count)
{
    char name[96];
    long done = 0;
    if (thread < 0 || thread >= AM_THREADS)
        return 0;
    GC_ENTER();
    for (; done < count && am_pos[thread] < AM_NAMES; done++) {
        long index = am_pos[thread]++;
        am_name(name, sizeof name, am_round, index);
        PyObject *module = PyImport_AddModuleRef(name);
        if (!module) {
            PyErr_Clear();
            continue;
        }
        am_got[index][thread] = (uintptr_t)module;
        Py_DECREF(module);      /* sys.modules keeps the one it holds */
    }
    GC_EXIT();
    return done;
}

/* Evidence: names for which two threads got different module objects. */
long am_mismatches(void)
{
    long bad = 0;
    for (long i = 0; i < AM_NAMES; i++) {
        uintptr_t first = 0;
        for (int t = 0; t < AM_THREADS; t++) {
            uintptr_t got = am_got[i][t];
            if (!got)
                continue;
            if (!first)
                first = got;
            else if (got != first) {
                bad++;
                break;
            }
        }
    }
    return bad;
}
