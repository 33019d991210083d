"""What ``gilcompat scan`` looks for: each GIL-era pattern, the corpus case that shows
it breaking, and the fix (whose opted-in twin in the corpus shows it holding)."""

from dataclasses import dataclass
from typing import Dict, Optional


@dataclass(frozen=True)
class Pattern:
    id: str
    case: Optional[str]        # the corpus case demonstrating the hazard
    message: str
    fix: str
    severity: str = ""         # "" follows the case: a warning with one, else a note


PATTERNS: Dict[str, Pattern] = {p.id: p for p in [
    Pattern("unlocked-static-write", "global_counter",
            "write to shared C state '{name}' with no lock: the GIL was its mutex",
            "guard it with a PyMutex (pymutex_counter) or make the update atomic "
            "(atomic_counter)"),
    Pattern("lazy-static-init", "lazy_init",
            "lazy initialisation of '{name}' (check, then set): two threads can both build it",
            "initialise at module exec, or publish with compare-and-swap (once_init)"),
    Pattern("static-buffer", "static_buffer",
            "static buffer '{name}' is filled and handed out: threads get each other's data",
            "use a caller-provided or _Thread_local buffer (thread_local_state)"),
    Pattern("free-list", "free_list",
            "free list '{name}' popped without a lock: a block can be handed out twice",
            "guard the list with a PyMutex, or keep it per thread"),
    Pattern("global-object-swap", "global_object_swap",
            "global object pointer '{name}' replaced without a lock: readers can incref a "
            "freed object",
            "guard the pointer with a PyMutex and take a strong reference under it"),
    Pattern("unowned-registry", "unowned_registry",
            "'{name}' stores object pointers without owning them: lookup then incref races "
            "the object's death",
            "own the references, or use PyUnstable_TryIncRef (tryincref_registry, 3.14)"),
    Pattern("per-object-state", "object_cursor",
            "read-modify-write of per-object C state '{name}' with no lock",
            "wrap it in Py_BEGIN_CRITICAL_SECTION(self) or a per-object PyMutex"),
    Pattern("method-field-rmw", "method_field_rmw",
            "read-modify-write of '{name}', a field of self, with no lock: threads calling "
            "the method on one instance lose updates",
            "wrap it in Py_BEGIN_CRITICAL_SECTION(self) (method_field_critical, 3.13)"),
    Pattern("object-field-swap", "global_object_swap",
            "object pointer '{name}' of a shared Python object replaced without a lock: "
            "a reader of the old one can incref it after it was freed",
            "replace it inside Py_BEGIN_CRITICAL_SECTION(self), and read it there with a "
            "strong reference"),
    Pattern("borrowed-list-newref", "list_newref_item",
            "{name}(PyList_GetItem(...)): the strong reference comes after the borrowed "
            "one, and another thread can free the item in between",
            "use PyList_GetItemRef (list_getitem_ref, 3.13)"),
    Pattern("bytearray-raw-pointer", "bytearray_resize_read",
            "{name}() with no buffer export held: another thread's PyByteArray_Resize "
            "can move the bytes under the pointer",
            "hold a buffer export (PyObject_GetBuffer ... PyBuffer_Release) while reading "
            "(bytearray_export_read)"),
    Pattern("set-item-escaped", "list_set_item_escaped",
            "{name}() on '{target}', a container this function did not create: other "
            "threads may see it, and the macro takes no lock",
            "use PyList_SetItem (list_setitem_locked); keep the SET_ITEM macros for "
            "containers still being built"),
    Pattern("borrowed-add-module", None,
            "{name}() returns a borrowed module another thread can replace in sys.modules",
            "use PyImport_AddModuleRef (3.13)", severity="warning"),
    Pattern("borrowed-cell", None,
            "{name}() reads a cell's content as a borrowed reference another thread can "
            "replace", "use PyCell_Get, which returns a strong reference",
            severity="warning"),
    Pattern("torn-field-copy", None,
            "fields of '{name}' copied one by one with no lock, while other functions "
            "write them: the copy can mix two updates",
            "copy inside Py_BEGIN_CRITICAL_SECTION({name}) (or the lock its writers take)",
            severity="warning"),
    Pattern("object-malloc-buffer", None,
            "{name}() for memory whose size names no object type: on free-threaded builds "
            "the object allocator is for Python objects only",
            "allocate buffers with PyMem_Malloc (or PyMem_RawMalloc)", severity="warning"),
    Pattern("nonreentrant-libc", "nonreentrant_libc",
            "{name}() keeps its state in static storage: calls from threads interfere",
            "use the reentrant form ({fix_name}) (reentrant_libc)"),
    Pattern("borrowed-list-item", "list_borrowed_item",
            "{name}() returns a borrowed reference another thread can free",
            "use PyList_GetItemRef (list_getitem_ref, 3.13)"),
    Pattern("borrowed-dict-item", "dict_borrowed_item",
            "{name}() returns a borrowed reference another thread can free",
            "use PyDict_GetItemRef / PyDict_GetItemStringRef (dict_getitem_ref, 3.13)"),
    Pattern("borrowed-setdefault", "dict_setdefault_borrowed",
            "{name}() returns a borrowed reference another thread can free",
            "use PyDict_SetDefaultRef (dict_setdefault_ref, 3.13)"),
    Pattern("borrowed-weakref", "weakref_borrowed",
            "{name}() returns a borrowed reference to an object that may be dying",
            "use PyWeakref_GetRef (weakref_getref, 3.13)"),
    Pattern("stale-sequence-size", "list_stale_size",
            "{name}() in a loop over a container another thread can resize",
            "loop inside Py_BEGIN_CRITICAL_SECTION(seq) (list_loop_critical, 3.13)"),
    Pattern("items-pointer-loop", "list_stale_size",
            "{name}() taken before a loop that indexes it: the pointer goes stale when "
            "another thread resizes the list",
            "take the pointer and loop inside Py_BEGIN_CRITICAL_SECTION(seq) "
            "(list_loop_critical, 3.13)"),
    Pattern("dict-next-unlocked", "dict_next_unlocked",
            "PyDict_Next loop outside a critical section: entries can be skipped or "
            "repeated while another thread resizes",
            "loop inside Py_BEGIN_CRITICAL_SECTION(dict) (dict_next_critical, 3.13)"),
    Pattern("critical-section-left", "critical_section_left",
            "return inside a critical section in {name}(): the object stays locked "
            "(free-threaded builds) and the next thread to enter waits forever",
            "goto a label before Py_END_CRITICAL_SECTION and return after it "
            "(critical_section_closed)"),
    Pattern("lock-across-python", "lock_across_python",
            "{name}() called into Python while a C lock is held: the call can re-enter "
            "and wait for the lock its own thread holds",
            "release the lock before the call (copy what it needs first), or make the "
            "lock reentrant and its state safe for re-entry"),
    Pattern("blocking-call-attached", "blocking_wait_attached",
            "{name}() blocks with the thread state attached: with a GIL it holds the "
            "GIL, free-threaded it stalls every stop-the-world (gc.collect()) meanwhile",
            "wait inside Py_BEGIN_ALLOW_THREADS ... Py_END_ALLOW_THREADS "
            "(blocking_wait_detached)"),
    Pattern("refcount-one", "refcnt_one_mutation",
            "Py_REFCNT(...) == 1 taken to mean 'only I hold it': not true without the GIL",
            "copy instead of mutating in place, or PyUnstable_Object_IsUniquelyReferenced "
            "(3.14)"),
    # Notes: how the module opts in (not hazards).
    Pattern("opts-in", None,
            "module declares Py_MOD_GIL_NOT_USED ({name}): the hazards above run with the "
            "GIL off", "make sure every warning here is fixed"),
    Pattern("keeps-gil", None,
            "module '{name}' declares no Py_mod_gil slot: free-threaded CPython turns the "
            "GIL on when it is imported", "fix the warnings, then declare "
            "{{Py_mod_gil, Py_MOD_GIL_NOT_USED}}"),
]}

NONREENTRANT_LIBC = {
    "strtok": "strtok_r", "localtime": "localtime_r", "gmtime": "gmtime_r",
    "asctime": "asctime_r", "ctime": "ctime_r", "setlocale": "uselocale/newlocale",
    "strerror": "strerror_r", "rand": "rand_r", "readdir": "a lock around readdir",
    "gethostbyname": "getaddrinfo", "getpwnam": "getpwnam_r", "getpwuid": "getpwuid_r",
    "ttyname": "ttyname_r", "tmpnam": "mkstemp", "strsignal": "a lock or a table of your own",
}

BORROWED_CALLS = {
    "PyList_GetItem": "borrowed-list-item",
    "PyDict_GetItem": "borrowed-dict-item",
    "PyDict_GetItemString": "borrowed-dict-item",
    "PyDict_GetItemWithError": "borrowed-dict-item",
    "_PyDict_GetItem_KnownHash": "borrowed-dict-item",
    "PyDict_SetDefault": "borrowed-setdefault",
    "PyWeakref_GetObject": "borrowed-weakref",
    "PyWeakref_GET_OBJECT": "borrowed-weakref",
    "PyImport_AddModule": "borrowed-add-module",
    "PyImport_AddModuleObject": "borrowed-add-module",
    "PyCell_GET": "borrowed-cell",
}

# Raw pointers into a bytearray, which a resize moves.
BYTEARRAY_POINTERS = ("PyByteArray_AS_STRING", "PyByteArray_AsString")

# Macros that replace an object pointer (and drop the old reference).
SWAP_MACROS = ("Py_SETREF", "Py_XSETREF", "Py_CLEAR")
# Functions that run with the object unshared (its last reference going, or GC's).
TEARDOWN_WORDS = ("dealloc", "clear", "traverse", "finalize", "_free", "_del")

# Stores into a container that take no lock: only for one still being built.
SET_ITEM_MACROS = ("PyList_SET_ITEM", "PyTuple_SET_ITEM")

OBJECT_MALLOC_CALLS = ("PyObject_Malloc", "PyObject_Calloc", "PyObject_Realloc")

# Strong references taken at once from a borrowed one: still too late.
NEWREF_CALLS = ("Py_NewRef", "Py_XNewRef", "Py_INCREF", "Py_XINCREF")

# An items pointer taken once and indexed in a loop (the same staleness).
ITEMS_POINTER_CALLS = ("PySequence_Fast_ITEMS", "PyList_ITEMS")
# Borrowed item access that is only a hazard inside a loop (the size was read before).
LOOP_ITEM_CALLS = ("PyList_GET_ITEM", "PySequence_Fast_ITEMS", "PySequence_Fast_GET_ITEM",
                   "PyTuple_GET_ITEM_OF_LIST")

LOCK_CALLS = ("PyMutex_Lock", "pthread_mutex_lock", "pthread_rwlock_wrlock",
              "pthread_rwlock_rdlock", "pthread_spin_lock", "PyThread_acquire_lock",
              "PyThread_acquire_lock_timed", "mtx_lock", "EnterCriticalSection",
              "AcquireSRWLockExclusive", "Py_BEGIN_CRITICAL_SECTION",
              "Py_BEGIN_CRITICAL_SECTION2", "Py_BEGIN_CRITICAL_SECTION_MUTEX",
              "Py_BEGIN_CRITICAL_SECTION2_MUTEX")
CRITICAL_SECTION_CALLS = ("Py_BEGIN_CRITICAL_SECTION", "Py_BEGIN_CRITICAL_SECTION2",
                          "Py_BEGIN_CRITICAL_SECTION_MUTEX", "Py_BEGIN_CRITICAL_SECTION2_MUTEX",
                          "Py_END_CRITICAL_SECTION", "Py_END_CRITICAL_SECTION2")
# C locks that know nothing of Python (a PyMutex detaches while it waits; these do not).
NATIVE_LOCK_CALLS = ("pthread_mutex_lock", "pthread_rwlock_wrlock", "pthread_rwlock_rdlock",
                     "pthread_spin_lock", "PyThread_acquire_lock", "PyThread_acquire_lock_timed",
                     "mtx_lock", "EnterCriticalSection", "AcquireSRWLockExclusive",
                     "pthread_mutex_unlock", "pthread_rwlock_unlock", "pthread_spin_unlock",
                     "PyThread_release_lock", "mtx_unlock", "LeaveCriticalSection",
                     "ReleaseSRWLockExclusive")
# Calls that run Python code (a call, a method, an attribute's __getattr__ aside).
PYTHON_CALL_PREFIXES = ("PyObject_Call", "PyObject_Vectorcall", "PyEval_CallObject",
                        "PyEval_EvalCode", "PyRun_")
# Waits that block the calling thread until another acts (not file I/O: too common to
# tell a blocking descriptor from a fast one).
BLOCKING_CALLS = ("sleep", "usleep", "nanosleep", "sem_wait", "sem_timedwait",
                  "pthread_cond_wait", "pthread_cond_timedwait", "pthread_join", "select",
                  "poll", "epoll_wait", "accept", "recv", "recvfrom", "waitpid",
                  "WaitForSingleObject", "WaitForMultipleObjects", "Sleep")
# Marks of a detached thread state: +1 where it detaches, -1 where it attaches again.
DETACH_MARKS = {"Py_BEGIN_ALLOW_THREADS": 1, "Py_UNBLOCK_THREADS": 1, "PyEval_SaveThread": 1,
                "Py_END_ALLOW_THREADS": -1, "Py_BLOCK_THREADS": -1, "PyEval_RestoreThread": -1}
# Statement macros written without a semicolon: one is added before parsing, or the
# C grammar reads the next statement as a declaration of that "type".
STATEMENT_MACROS = ("Py_BEGIN_ALLOW_THREADS", "Py_END_ALLOW_THREADS", "Py_BLOCK_THREADS",
                    "Py_UNBLOCK_THREADS")

UNLOCK_CALLS = ("PyMutex_Unlock", "pthread_mutex_unlock", "pthread_rwlock_unlock",
                "pthread_spin_unlock", "PyThread_release_lock", "mtx_unlock",
                "LeaveCriticalSection", "ReleaseSRWLockExclusive",
                "Py_END_CRITICAL_SECTION", "Py_END_CRITICAL_SECTION2")
BUFFER_WRITERS = ("snprintf", "sprintf", "vsnprintf", "vsprintf", "strcpy", "strncpy",
                  "strcat", "strncat", "memcpy", "memmove", "memset", "strftime")
