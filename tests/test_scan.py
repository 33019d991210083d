"""gilcompat scan on small real C snippets (parsed for real by tree-sitter) and on the
corpus's own sources: every gil-reliant case's hazard flagged, opted-in cases quiet."""

from pathlib import Path

import pytest

pytest.importorskip("tree_sitter_c", reason="gilcompat scan needs Python 3.10+")

from gilcompat.corpus.cases import corpus_root, load_cases  # noqa: E402
from gilcompat.authors.scan import scan_paths, scan_source  # noqa: E402


def warnings_in(code: str):
    return [f for f in scan_source(code.encode(), "x.c") if f.severity == "warning"]


def patterns(code: str):
    return sorted(f.pattern for f in warnings_in(code))


def test_unlocked_static_write_is_flagged_and_locked_one_is_not():
    assert patterns("static long n; void f(void) { n++; }") == ["unlocked-static-write"]
    assert patterns("""
        static long n; static PyMutex m;
        void f(void) { PyMutex_Lock(&m); n++; PyMutex_Unlock(&m); }""") == []
    assert patterns("static _Atomic long n; void f(void) { n = 0; }") == []
    assert patterns("static _Thread_local long n; void f(void) { n++; }") == []
    assert patterns("void f(void) { long n = 0; n++; }") == []
    assert patterns("static long n; void f(long n) { n++; }") == []   # a parameter


def test_lazy_init_free_list_and_static_buffer():
    assert patterns("static PyObject *c; PyObject *get(void) "
                    "{ if (!c) c = build(); return c; }") == ["lazy-static-init"]
    assert patterns("struct node { struct node *next; }; static struct node *head;"
                    "struct node *pop(void) { struct node *n = head; head = head->next; "
                    "return n; }") == ["free-list"]
    assert patterns("static char buf[64]; const char *name(long i) "
                    "{ snprintf(buf, sizeof buf, \"%ld\", i); return buf; }") == ["static-buffer"]


def test_libc_and_borrowed_calls_flagged_safe_forms_quiet():
    assert patterns("void f(char *s) { strtok(s, \" \"); }") == ["nonreentrant-libc"]
    assert patterns("void f(char *s, char **save) { strtok_r(s, \" \", save); }") == []
    assert patterns("void f(PyObject *d, PyObject *k) { PyDict_GetItem(d, k); }") == \
        ["borrowed-dict-item"]
    assert patterns("void f(PyObject *d, PyObject *k, PyObject **r) "
                    "{ PyDict_GetItemRef(d, k, r); }") == []
    assert patterns("void f(PyObject *l) { for (Py_ssize_t i = 0; i < n; i++) "
                    "PyList_GET_ITEM(l, i); }") == ["stale-sequence-size"]
    assert patterns("void f(PyObject *l) { Py_BEGIN_CRITICAL_SECTION(l); "
                    "for (Py_ssize_t i = 0; i < n; i++) PyList_GET_ITEM(l, i); "
                    "Py_END_CRITICAL_SECTION(); }") == []


def test_init_time_and_marked_functions_are_quiet():
    assert patterns("static PyObject *err; PyMODINIT_FUNC PyInit_m(void) "
                    "{ err = PyErr_NewException(\"m.E\", 0, 0); return 0; }") == []
    assert patterns("static long n;\n/* gilcompat: single-threaded */\n"
                    "void setup(void) { n = 0; }") == []


def test_module_opt_in_is_reported_as_a_note():
    opted = scan_source(b"static PyModuleDef_Slot s[] = {{Py_mod_gil, Py_MOD_GIL_NOT_USED}, "
                        b"{0, NULL}};", "m.c")
    assert [(f.pattern, f.severity) for f in opted] == [("opts-in", "note")]
    plain = scan_source(b'static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "m"};', "m.c")
    assert [(f.pattern, f.severity) for f in plain] == [("keeps-gil", "note")]
    assert "'m'" in plain[0].message


def test_corpus_gil_reliant_cases_flagged_opted_in_cases_quiet():
    cases, _ = load_cases([corpus_root()])
    flagged, quiet = {}, {}
    for case in cases:
        found = [f for f in scan_paths(case.source_paths)[0] if f.severity == "warning"]
        if case.import_while_busy:
            # Its own hazard is the interpreter's (the GIL turned on mid-run), which no
            # scan of C can see; its C is a plain GIL-as-mutex write, flagged as such.
            flagged[case.name] = any(f.case == "global_counter" for f in found)
        elif case.category == "gil-reliant":   # flagged as its own hazard, by name
            flagged[case.name] = any(f.case == case.name for f in found)
        elif case.category == "opted-in":
            quiet[case.name] = [str(f).splitlines()[0] for f in found]
    assert flagged and all(flagged.values()), {k: v for k, v in flagged.items() if not v}
    assert quiet and not any(quiet.values()), {k: v for k, v in quiet.items() if v}


def test_a_global_defined_in_one_file_is_shared_state_where_another_writes_it(tmp_path):
    (tmp_path / "family.c").write_text("long counter;\nstatic long own;\n"
                                       "long read_it(void) { return counter + own; }\n")
    (tmp_path / "family.h").write_text("extern long counter;\n")
    (tmp_path / "member.c").write_text(
        '#include "family.h"\n'
        "void bump(void) { counter = counter + 1; }\n")
    (tmp_path / "locked.c").write_text(
        '#include "family.h"\nstatic PyMutex lock;\n'
        "void bump_locked(void) { PyMutex_Lock(&lock); counter = counter + 1; "
        "PyMutex_Unlock(&lock); }\n")
    findings, problems = scan_paths([tmp_path])
    assert problems == []
    warned = {(Path(f.file).name, f.severity) for f in findings if f.severity == "warning"}
    assert warned == {("member.c", "warning")}
    alone, _ = scan_paths([tmp_path / "member.c"])
    assert not [f for f in alone if f.severity == "warning"]


def test_pydict_setdefault_is_a_borrowed_reference_and_its_ref_form_is_not():
    borrowed = scan_source(b"PyObject *f(PyObject *d, PyObject *k, PyObject *v) {\n"
                           b"    PyObject *r = PyDict_SetDefault(d, k, v);\n"
                           b"    Py_INCREF(r); return r; }\n", "m.c")
    assert [(f.pattern, f.case) for f in borrowed if f.severity == "warning"] == \
        [("borrowed-setdefault", "dict_setdefault_borrowed")]
    owned = scan_source(b"int f(PyObject *d, PyObject *k, PyObject *v, PyObject **r) {\n"
                        b"    return PyDict_SetDefaultRef(d, k, v, r); }\n", "m.c")
    assert not [f for f in owned if f.severity == "warning"]


def test_a_return_inside_a_critical_section_is_flagged_and_a_goto_to_its_end_is_not():
    left = scan_source(b"int f(PyObject *o, int bad) {\n"
                       b"    Py_BEGIN_CRITICAL_SECTION(o);\n"
                       b"    if (bad) return -1;\n"
                       b"    Py_END_CRITICAL_SECTION();\n"
                       b"    return 0; }\n", "m.c")
    assert [(f.pattern, f.line) for f in left if f.severity == "warning"] == \
        [("critical-section-left", 3)]
    closed = scan_source(b"int f(PyObject *o, int bad) {\n"
                         b"    int r = 0;\n"
                         b"    Py_BEGIN_CRITICAL_SECTION(o);\n"
                         b"    if (bad) { r = -1; goto done; }\n"
                         b"done:\n"
                         b"    Py_END_CRITICAL_SECTION();\n"
                         b"    return r; }\n", "m.c")
    assert not [f for f in closed if f.severity == "warning"]


@pytest.mark.parametrize("test", ["Py_REFCNT(o) == 1", "Py_REFCNT(o) != 1", "Py_REFCNT(o) > 1",
                                  "1 < Py_REFCNT(o)", "Py_REFCNT(o) < 2", "Py_REFCNT(o) >= 2"])
def test_every_am_i_alone_refcount_comparison_is_flagged(test):
    assert patterns(f"void f(PyObject *o) {{ if ({test}) g(o); }}") == ["refcount-one"]


def test_a_refcount_compared_with_other_numbers_is_not_flagged():
    assert patterns("void f(PyObject *o) { if (Py_REFCNT(o) > 0) g(o); }") == []


def test_a_strong_reference_taken_at_once_from_a_borrowed_list_item_is_flagged():
    assert patterns("PyObject *f(PyObject *l) { return Py_NewRef(PyList_GetItem(l, 0)); }") \
        == ["borrowed-list-newref"]
    assert patterns("PyObject *f(PyObject *l) { return PyList_GetItem(l, 0); }") \
        == ["borrowed-list-item"]


def test_a_field_of_self_updated_without_a_lock_names_the_method_case():
    found = warnings_in("typedef struct { long n; } obj;\n"
                        "void bump(obj *self) { long x = self->n; self->n = x + 1; }")
    assert [(f.pattern, f.case) for f in found] == [("method-field-rmw", "method_field_rmw")]


def test_object_allocator_for_a_buffer_is_flagged_and_for_an_object_is_not():
    assert patterns("void *f(size_t n) { return PyObject_Malloc(n); }") == ["object-malloc-buffer"]
    assert patterns("void f(size_t n) { char *b = PyObject_Calloc(n, 1); g(b); }") \
        == ["object-malloc-buffer"]
    assert patterns("typedef struct { PyObject_HEAD long v; } box;\n"
                    "box *f(void) { return PyObject_Malloc(sizeof(box)); }") == []
    assert patterns("PyObject *f(void) { return (PyObject *)PyObject_Malloc(64); }") == []
    assert patterns("void *f(size_t n) { return PyMem_Malloc(n); }") == []


def test_set_item_macros_on_a_container_from_outside_are_flagged():
    assert patterns("void f(PyObject *l, PyObject *v) { PyList_SET_ITEM(l, 0, v); }") \
        == ["set-item-escaped"]
    assert patterns("static PyObject *t;\nvoid f(PyObject *v) { PyTuple_SET_ITEM(t, 0, v); }") \
        == ["set-item-escaped"]
    assert patterns("PyObject *f(PyObject *v) { PyObject *l = PyList_New(1); "
                    "PyList_SET_ITEM(l, 0, v); return l; }") == []


def test_a_raw_bytearray_pointer_without_an_export_is_flagged():
    assert patterns("char f(PyObject *b) { return PyByteArray_AS_STRING(b)[0]; }") \
        == ["bytearray-raw-pointer"]
    assert patterns("char f(PyObject *b) { Py_buffer v; char c; "
                    "if (PyObject_GetBuffer(b, &v, PyBUF_SIMPLE) < 0) return 0; "
                    "c = ((char *)v.buf)[0]; PyBuffer_Release(&v); return c; }") == []


@pytest.mark.parametrize("call,pattern", [("PyImport_AddModule(\"m\")", "borrowed-add-module"),
                                          ("PyCell_GET(c)", "borrowed-cell")])
def test_other_borrowed_calls_the_howto_names_are_flagged(call, pattern):
    assert patterns(f"PyObject *f(PyObject *c) {{ return {call}; }}") == [pattern]


def severities(code: str, path: str = "x.c"):
    return sorted((f.pattern, f.severity) for f in scan_source(code.encode(), path)
                  if f.severity != "note")


def test_code_a_free_threaded_build_never_compiles_is_gated_not_warned():
    body = "static long n; void f(void) { n++; }"
    for test in ("#if PY_VERSION_HEX < 0x030D0000", "#if PY_VERSION_HEX <= 0x030C00F0",
                 "#ifndef Py_GIL_DISABLED", "#if !defined(Py_GIL_DISABLED)",
                 "#if !defined(Py_GIL_DISABLED) && defined(FAST)"):
        assert severities(f"{test}\n{body}\n#endif\n") == \
            [("unlocked-static-write", "gated")], test
    # The other branch is what a free-threaded build compiles.
    assert severities(f"#if PY_VERSION_HEX >= 0x030D0000\n{body}\n#else\nint x;\n#endif\n") == \
        [("unlocked-static-write", "warning")]
    assert severities(f"#ifdef Py_GIL_DISABLED\nint x;\n#else\n{body}\n#endif\n") == \
        [("unlocked-static-write", "gated")]
    assert severities(f"#if PY_VERSION_HEX >= 0x030D0000\nint x;\n#else\n{body}\n#endif\n") == \
        [("unlocked-static-write", "gated")]
    # A test the scanner cannot read (or one that holds on 3.13) warns as before.
    for test in ("#if PY_VERSION_HEX < 0x030E0000", "#if HAVE_THREADS",
                 "#if PY_VERSION_HEX < 0x030D0000 || FORCE"):
        assert severities(f"{test}\n{body}\n#endif\n") == \
            [("unlocked-static-write", "warning")], test
    # Inside a function too.
    assert severities("static long n; void f(void) {\n#ifndef Py_GIL_DISABLED\n n++;\n"
                      "#endif\n}") == [("unlocked-static-write", "gated")]


def test_a_compatibility_header_is_gated():
    code = ("#if PY_VERSION_HEX < 0x030D0000\nstatic inline int PyList_GetItemRef(void);\n"
            "#endif\nstatic PyObject *cache; void f(void) { cache = 0; }")
    assert severities(code, "pythoncapi_compat.h") == [("global-object-swap", "gated")]
    assert severities(code, "module.h") == [("global-object-swap", "warning")]


def test_thread_local_spelled_through_a_macro_is_quiet(tmp_path):
    assert patterns("#define NPY_TLS __thread\nstatic NPY_TLS long n;\n"
                    "void f(void) { n++; }") == []
    assert patterns("static Py_thread_local long n; void f(void) { n++; }") == []
    assert patterns("#define NOT_TLS static\nNOT_TLS long n; void f(void) { n++; }") == \
        ["unlocked-static-write"]
    # The macro defined in a header, used in another file of the project.
    (tmp_path / "config.h").write_text("#define MY_TLS _Thread_local\n")
    (tmp_path / "m.c").write_text("static MY_TLS long n; void f(void) { n++; }\n")
    findings, _ = scan_paths([tmp_path])
    assert [f for f in findings if f.severity == "warning"] == []


def test_every_walk_over_a_list_and_an_items_pointer_loop_are_reported():
    two_walks = ("void f(PyObject *l) {\n"
                 " for (Py_ssize_t i = 0; i < n; i++) PyList_GET_ITEM(l, i);\n"
                 " for (Py_ssize_t j = 0; j < n; j++) PyList_GET_ITEM(l, j);\n}")
    assert [f.line for f in warnings_in(two_walks)] == [2, 3]
    items = ("void f(PyObject *seq) {\n PyObject **items = PySequence_Fast_ITEMS(seq);\n"
             " for (Py_ssize_t i = 0; i < n; i++) use(items[i]);\n}")
    assert patterns(items) == ["items-pointer-loop"]
    assert patterns("void f(PyObject *seq) { PyObject **items = PySequence_Fast_ITEMS(seq);"
                    " use(items[0]); }") == []       # no loop: read once
    assert patterns("void f(PyObject *seq) { Py_BEGIN_CRITICAL_SECTION(seq);"
                    " PyObject **items = PySequence_Fast_ITEMS(seq);"
                    " for (i = 0; i < n; i++) use(items[i]); Py_END_CRITICAL_SECTION(); }") == []


def test_cpp_sources_are_parsed_as_cpp():
    code = ("template <typename T>\nstatic T twice(T x) { return x + x; }\n"
            "static long calls;\n"
            "class Cache {\n  static long hits;\n  long misses;\n"
            "  void touch() { misses++; }\n};\n"
            "template <typename T>\nPyObject *get(PyObject *d, PyObject *k) {\n"
            "  calls++;\n  return PyDict_GetItem(d, k);\n}\n")
    found = sorted((f.line, f.pattern) for f in scan_source(code.encode(), "m.cpp")
                   if f.severity == "warning")
    # The function under `template` is read; the class's members are not file statics.
    assert found == [(11, "unlocked-static-write"), (12, "borrowed-dict-item")]


def test_blocking_wait_with_the_thread_state_attached():
    assert patterns("long f(PyObject *o) { sem_wait(&s); return 0; }") == \
        ["blocking-call-attached"]
    # Macros without a semicolon, as extensions write them: the wait inside is quiet.
    assert patterns("long f(PyObject *o) {\n    Py_BEGIN_ALLOW_THREADS\n    sem_wait(&s);\n"
                    "    Py_END_ALLOW_THREADS\n    return 0;\n}") == []
    assert patterns("long f(PyObject *o) { PyThreadState *t = PyEval_SaveThread(); "
                    "usleep(10); PyEval_RestoreThread(t); return 0; }") == []
    # A helper with no Python in it (run by a thread of its own) may block.
    assert patterns("static void *worker(void *arg) { sem_wait(arg); return 0; }") == []


def test_python_called_with_a_c_lock_held():
    locked = ("long f(PyObject *cb) {\n    Py_BEGIN_ALLOW_THREADS\n    pthread_mutex_lock(&m);\n"
              "    Py_END_ALLOW_THREADS\n    PyObject *r = PyObject_CallNoArgs(cb);\n"
              "    pthread_mutex_unlock(&m);\n    return 0;\n}")
    assert [(f.pattern, f.line) for f in warnings_in(locked)] == [("lock-across-python", 5)]
    assert patterns("long f(PyObject *cb) { pthread_mutex_lock(&m); n = 1; "
                    "pthread_mutex_unlock(&m); PyObject_CallNoArgs(cb); return 0; }") == []
    # A PyMutex detaches while it waits: no deadlock with the GIL to report.
    assert "lock-across-python" not in patterns(
        "long f(PyObject *cb) { PyMutex_Lock(&m); PyObject_CallNoArgs(cb); "
        "PyMutex_Unlock(&m); return 0; }")


def test_a_goto_out_of_a_critical_section_leaves_it_held():
    out = ("int f(PyObject *o) {\n Py_BEGIN_CRITICAL_SECTION(o);\n if (bad) goto fail;\n"
           " Py_END_CRITICAL_SECTION();\n return 0;\nfail:\n return -1;\n}")
    assert patterns(out) == ["critical-section-left"]
    inside = ("int f(PyObject *o) {\n int r = 0;\n Py_BEGIN_CRITICAL_SECTION(o);\n"
              " if (bad) { r = -1; goto done; }\n work();\ndone:\n"
              " Py_END_CRITICAL_SECTION();\n return r;\n}")
    assert patterns(inside) == []


def test_a_borrowed_list_item_outside_a_loop():
    assert patterns("PyObject *first(PyObject *l) { if (PyList_GET_SIZE(l) == 0) return 0; "
                    "PyObject *x = PyList_GET_ITEM(l, 0); Py_INCREF(x); return x; }") == \
        ["borrowed-list-item"]
    # A list the function is still building is its own.
    assert patterns("PyObject *f(void) { PyObject *l = PyList_New(1); "
                    "PyObject *x = PyList_GET_ITEM(l, 0); return x; }") == []


OBJ = "typedef struct { PyObject_HEAD PyObject *wrapped; long hits; } Proxy;\n"


def test_an_object_pointer_field_of_a_shared_object_replaced_without_a_lock():
    assert patterns(OBJ + "int set(Proxy *self, PyObject *v) "
                    "{ Py_XSETREF(self->wrapped, Py_NewRef(v)); return 0; }") == \
        ["object-field-swap"]
    assert patterns(OBJ + "int set(Proxy *self, PyObject *v) "
                    "{ Py_DECREF(self->wrapped); self->wrapped = v; return 0; }") == \
        ["object-field-swap"]
    assert patterns(OBJ + "int set(Proxy *self, PyObject *v) { Py_BEGIN_CRITICAL_SECTION(self);"
                    " Py_XSETREF(self->wrapped, v); Py_END_CRITICAL_SECTION(); return 0; }") == []
    # Teardown runs with the object unshared; a field that is not an object is not swapped.
    assert patterns(OBJ + "void proxy_dealloc(Proxy *self) { Py_CLEAR(self->wrapped); }") == []
    assert patterns(OBJ + "void reset(Proxy *self) { self->hits = 0; }") == []


def test_per_call_c_state_is_the_callers_own():
    state = ("typedef struct { long pos; } State;\n"
             "static long step(State *state) { state->pos++; return state->pos; }\n")
    assert patterns(state) == []
    # The same struct kept in a global is shared: its fields are per-object state.
    assert patterns(state + "static State shared_states[4];\n") == ["per-object-state"]


def test_an_init_helper_whose_other_caller_is_python_2_only_is_init():
    """simplejson's shape: PyInit_ and Python 2's init<name> both call one helper; a
    free-threaded build never compiles the second (#else of PY_MAJOR_VERSION >= 3)."""
    code = """
        static PyObject *consts;
        static PyObject *moduleinit(void) { consts = PyTuple_New(2); return NULL; }
        #if PY_MAJOR_VERSION >= 3
        PyMODINIT_FUNC PyInit_m(void) { return moduleinit(); }
        #else
        void initm(void) { moduleinit(); }
        #endif
        """
    assert patterns(code) == []
    # A caller that a free-threaded build does compile still counts.
    assert patterns(code.replace("#if PY_MAJOR_VERSION >= 3", "#if 1")) == \
        ["global-object-swap"]



def test_a_subtype_struct_is_an_object_struct_too():
    """wrapt's shape: a proxy's struct opens with its base type's struct, not with
    PyObject_HEAD; its object fields are still a shared object's."""
    code = """typedef struct { PyObject_HEAD PyObject *wrapped; } Base;
        typedef struct { Base base; PyObject *args; } Sub;
        static int Sub_set(Sub *self, PyObject *args) { Py_XSETREF(self->args, args); return 0; }"""
    assert patterns(code) == ["object-field-swap"]
    assert patterns(code.replace("Base base;", "long base;")) == []


def test_a_projects_lock_macros_are_locks():
    """mmh3's and cffi's fixes: the lock is a macro of the project's, a no-op on GIL
    builds; any of its definitions that takes a lock makes it a lock."""
    code = """typedef struct { PyObject_HEAD long n; PyMutex mutex; } H;
        #ifdef Py_GIL_DISABLED
        #define H_LOCK(h) PyMutex_Lock(&(h)->mutex)
        #define H_UNLOCK(h) PyMutex_Unlock(&(h)->mutex)
        #else
        #define H_LOCK(h) ((void)0)
        #define H_UNLOCK(h) ((void)0)
        #endif
        static PyObject *H_bump(H *self) { H_LOCK(self); self->n++; H_UNLOCK(self); return 0; }"""
    assert patterns(code) == []
    assert patterns(code.replace("H_LOCK(self);", "")) == ["method-field-rmw"]


def test_an_unlock_on_an_early_return_does_not_end_the_lock():
    code = """struct item { struct item *next; }; static struct item *free_list; static PyMutex m;
        static struct item *take(void) {
            struct item *it;
            PyMutex_Lock(&m);
            if (!free_list) { PyMutex_Unlock(&m); return NULL; }
            it = free_list; free_list = it->next;
            PyMutex_Unlock(&m);
            return it; }"""
    assert patterns(code) == []
    assert patterns(code.replace("return NULL;", "")) == ["free-list"]


def test_a_gil_builds_declaration_beside_an_atomic_one_is_not_the_one_read():
    """greenlet's fix: std::atomic under Py_GIL_DISABLED, a plain counter in the #else;
    a free-threaded build compiles the atomic, so the increment is quiet."""
    code = """#ifdef Py_GIL_DISABLED
        static std::atomic<Py_ssize_t> total(0);
        #else
        static Py_ssize_t total;
        #endif
        void made() { total++; }"""
    found = [f for f in scan_source(code.encode(), "x.cpp") if f.severity == "warning"]
    assert found == []
    plain = code.replace("std::atomic<Py_ssize_t> total(0)", "Py_ssize_t total")
    assert [f.pattern for f in scan_source(plain.encode(), "x.cpp")
            if f.severity == "warning"] == ["unlocked-static-write"]


def test_a_cpp_constructor_and_destructor_are_two_functions():
    code = """static long live;
        Thing::Thing() { live++; }
        Thing::~Thing() { live--; }"""
    found = [f for f in scan_source(code.encode(), "x.cpp") if f.severity == "warning"]
    assert sorted(f.line for f in found) == [2, 3]


def test_an_init_helper_called_from_another_files_init_is_init(tmp_path):
    (tmp_path / "types.c").write_text(
        "static PyObject *table;\nint init_table(void) { table = PyDict_New(); return 0; }\n")
    (tmp_path / "module.c").write_text(
        "int init_table(void);\nPyMODINIT_FUNC PyInit_m(void) { init_table(); return 0; }\n")
    found = [f for f in scan_paths([tmp_path])[0] if f.severity == "warning"]
    assert found == []
    (tmp_path / "module.c").write_text(
        "int init_table(void);\nPyObject *reload(PyObject *s) { init_table(); return 0; }\n")
    found = [f for f in scan_paths([tmp_path])[0] if f.severity == "warning"]
    assert [f.pattern for f in found] == ["global-object-swap"]


def test_a_shared_scalars_address_handed_to_a_call_is_a_write():
    """psutil's shape: a function-level static filled by an out-parameter each call."""
    code = """PyObject *f(PyObject *self) { static int maxcpus; size_t n = sizeof maxcpus;
        sysctlbyname("kern.smp.maxcpus", &maxcpus, &n, NULL, 0); return NULL; }"""
    assert patterns(code) == ["unlocked-static-write"]
    assert patterns(code.replace("static int maxcpus;", "int maxcpus;")) == []
    assert patterns("static long k; void f(void) { __atomic_fetch_add(&k, 1, 0); }") == []


def test_fields_copied_one_by_one_while_another_method_writes_them():
    """mmh3's hasher copy(): each field read on its own while update() rewrites them."""
    code = """typedef struct { PyObject_HEAD long h; long len; } H;
        static PyObject *H_update(H *self, PyObject *o) { self->h = 3; self->len = 4; return 0; }
        static PyObject *H_copy(H *self) {
            H *p = PyObject_New(H, &HType);
            p->h = self->h; p->len = self->len; return (PyObject *)p; }"""
    assert "torn-field-copy" in patterns(code)
    quiet = code.replace("p->h = self->h; p->len = self->len;",
                         "Py_BEGIN_CRITICAL_SECTION(self); p->h = self->h; p->len = self->len;"
                         " Py_END_CRITICAL_SECTION();")
    assert "torn-field-copy" not in patterns(quiet)
    unwritten = code.replace("self->h = 3; self->len = 4;", "")
    assert "torn-field-copy" not in patterns(unwritten)


def test_a_helper_every_caller_calls_under_a_lock_runs_locked():
    """cffi's closure allocator: more_core() grows the free list, called only with the
    allocator's mutex held (through the project's own lock macro)."""
    code = """static long pages; static PyMutex m;
        #define ALLOC_LOCK() PyMutex_Lock(&m)
        #define ALLOC_UNLOCK() PyMutex_Unlock(&m)
        static void grow(void) { pages = pages * 2 + 1; }
        static void more(void) { grow(); }
        void *alloc_one(void) { ALLOC_LOCK(); more(); ALLOC_UNLOCK(); return 0; }
        void *alloc_two(void) { ALLOC_LOCK(); grow(); ALLOC_UNLOCK(); return 0; }"""
    assert patterns(code) == []
    unlocked = code.replace("void *alloc_two(void) { ALLOC_LOCK(); grow(); ALLOC_UNLOCK();",
                            "void *alloc_two(void) { grow();")
    assert patterns(unlocked) == ["unlocked-static-write"]


def test_a_caller_in_an_included_file_counts(tmp_path):
    """A unity build: the scanned file's init helper is called by a file the main
    file includes (cffi's cffi1_module.c calling realize_c_type.c's table init)."""
    (tmp_path / "tables.c").write_text(
        "static PyObject *table;\nint init_tables(void) { table = PyDict_New(); return 0; }\n")
    (tmp_path / "glue.c").write_text(
        "int init_tables(void);\nint init_lib(void) { return init_tables(); }\n")
    (tmp_path / "main.c").write_text(
        '#include "glue.c"\nPyMODINIT_FUNC PyInit_m(void) { init_lib(); return 0; }\n')
    scanned = [tmp_path / "tables.c", tmp_path / "main.c"]
    assert [f.pattern for f in scan_paths(scanned)[0] if f.severity == "warning"] == []
    (tmp_path / "main.c").write_text("PyMODINIT_FUNC PyInit_m(void) { return 0; }\n"
                                     "int reload(void) { return init_lib(); }\n")
    found = [f for f in scan_paths(scanned)[0] if f.severity == "warning"]
    assert [f.pattern for f in found] == ["global-object-swap"]


def test_a_read_inside_assert_is_no_read_of_a_read_modify_write():
    code = """typedef struct { PyObject_HEAD long tag; } T;
        void set_tag(T *x, long tag) { assert(x->tag == 0); x->tag = tag; }"""
    assert patterns(code) == []
    assert patterns(code.replace("assert(x->tag == 0);", "if (x->tag) return;")) \
        == ["per-object-state"]


def test_the_module_state_struct_is_shared():
    """multidict's version counter: ++state->global_version on the module state."""
    code = """typedef struct { long version; } mod_state;
        static struct PyModuleDef def = { .m_size = sizeof(mod_state) };
        static long next_version(mod_state *state) { return ++state->version; }"""
    assert patterns(code) == ["per-object-state"]
    assert patterns(code.replace(".m_size = sizeof(mod_state)", ".m_size = 0")) == []


def test_a_borrowed_read_of_a_container_the_function_made_is_quiet():
    """regex's groupdict(): the keys list PyMapping_Keys returns is the caller's own,
    until it is stored somewhere others can reach."""
    code = """PyObject *f(PyObject *m) { PyObject *keys = PyMapping_Keys(m);
        PyObject *k = PyList_GetItem(keys, 0); Py_INCREF(k); return k; }"""
    assert patterns(code) == []
    assert patterns(code.replace("PyMapping_Keys(m)", "PyObject_GetAttrString(m, 0)")) \
        == ["borrowed-list-item"]
    published = """typedef struct { PyObject_HEAD PyObject *cache; } F;
        PyObject *g(F *self, PyObject *tag) { PyObject *cache = self->cache;
        if (cache == NULL) self->cache = cache = PyDict_New();
        return PyDict_GetItem(cache, tag); }"""
    assert "borrowed-dict-item" in patterns(published)


def test_writes_to_an_object_its_callers_are_still_building_are_quiet():
    """regex's compiler: re_compile allocates the Pattern, and helpers fill it through
    a per-call struct (args.pattern, then args->pattern and a copy of the struct)."""
    code = """typedef struct { PyObject_HEAD long count; } Pattern;
        typedef struct { Pattern *pattern; int depth; } Args;
        static void add_node(Pattern *pattern) { pattern->count++; }
        static int build(Args *args);
        static int build_group(Args *args) { Args sub; sub = *args; sub.depth++;
            add_node(sub.pattern); return build(&sub); }
        static int build(Args *args) { add_node(args->pattern);
            return args->depth > 3 ? 0 : build_group(args); }
        static int compile(Pattern *pattern) { Args args; args.pattern = pattern;
            args.depth = 0; return build(&args); }
        PyObject *re_compile(PyObject *m) {
            Pattern *self = PyObject_New(Pattern, &PatternType);
            compile(self); return (PyObject *)self; }"""
    assert patterns(code) == []
    # A caller that hands add_node() a pattern it did not build: the count is shared.
    shared = code + "\nPyObject *bump(Pattern *p) { add_node(p); return NULL; }"
    assert patterns(shared) == ["per-object-state"]


def test_a_container_built_into_an_out_parameter_is_the_functions_own():
    """multidict's finder: ``*ret = PyList_New(1); PyList_SET_ITEM(*ret, 0, v)``."""
    code = """int f(PyObject *v, PyObject **ret) { *ret = PyList_New(1);
        PyList_SET_ITEM(*ret, 0, v); return 0; }"""
    assert patterns(code) == []
    assert patterns(code.replace("*ret = PyList_New(1);", "")) == ["set-item-escaped"]


def test_a_builder_helper_that_is_also_a_method_gets_shared_objects():
    """A helper called with a new object, but also listed in a method table: Python
    calls it on shared instances, so its writes are shared state."""
    code = """typedef struct { PyObject_HEAD long count; } Obj;
        static PyObject *bump(Obj *self, PyObject *unused) { self->count++; return NULL; }
        static PyMethodDef methods[] = {{"bump", (PyCFunction)bump, METH_NOARGS}, {0}};
        PyObject *make(PyObject *m) { Obj *o = PyObject_New(Obj, &ObjType);
            bump(o, NULL); return (PyObject *)o; }"""
    assert patterns(code) == ["method-field-rmw"]
    assert patterns(code.replace('{"bump", (PyCFunction)bump, METH_NOARGS}, ', "")) == []


def test_a_function_whose_address_is_taken_is_neither_init_only_nor_held():
    """Called directly only from init, or only under a lock, but also handed out as a
    pointer (a method table): whoever calls through it does neither."""
    init = """static long n;
        static PyObject *reset(PyObject *m, PyObject *u) { n = 0; return NULL; }
        static PyMethodDef methods[] = {{"reset", reset, METH_NOARGS}, {0}};
        PyMODINIT_FUNC PyInit_m(void) { reset(NULL, NULL); return NULL; }"""
    assert patterns(init) == ["unlocked-static-write"]
    assert patterns(init.replace('{"reset", reset, METH_NOARGS}, ', "")) == []
    held = """static long n; static PyMutex m;
        static void grow(void) { n++; }
        void register_hook(void (*hook)(void));
        void setup(void) { register_hook(grow); }
        void locked(void) { PyMutex_Lock(&m); grow(); PyMutex_Unlock(&m); }"""
    assert patterns(held) == ["unlocked-static-write"]
    assert patterns(held.replace("register_hook(grow);", "")) == []


def test_a_table_free_threaded_init_fills_through_its_get_or_build_macro_is_quiet():
    """cffi 2: a lazily built table that module init fills in an `#ifdef Py_GIL_DISABLED`
    loop through the macro that calls the builder only for an empty slot. On a
    free-threaded build the builder never runs after import; on a GIL build it may."""
    code = """static PyObject *table[8];
        static PyObject *build(int i);
        #define get(i) (table[i] != NULL ? table[i] : build(i))
        static PyObject *build(int i) { PyObject *x = PyLong_FromLong(i);
            table[i] = x; return x; }
        PyObject *lookup(int i) { return get(i); }
        PyMODINIT_FUNC PyInit_m(void) {
        #ifdef Py_GIL_DISABLED
            for (int i = 0; i < 8; i++) get(i);
        #endif
            return NULL; }"""
    assert patterns(code) == []
    assert patterns(code.replace("#ifdef Py_GIL_DISABLED", "#ifndef Py_GIL_DISABLED")) \
        == ["unowned-registry"]
    assert patterns(code.replace("#ifdef Py_GIL_DISABLED", "#if 1")) == ["unowned-registry"]
    # the builder called other than through its macro: it can write after import
    assert patterns(code.replace("return get(i); }", "return build(i); }")) == \
        ["unowned-registry"]
    # filled by a function that is not only init's
    assert patterns(code.replace("PyMODINIT_FUNC PyInit_m(void)", "PyObject *fill(void)")) \
        == ["unowned-registry"]


def test_a_borrowed_read_from_a_dict_no_one_removes_items_of_is_quiet():
    """cffi's types_dict: created by its owner, read with PyDict_GetItem, added to only
    with PyDict_SetDefault (which never replaces), visited and dropped: a value it
    handed out lives as long as the dict."""
    code = """typedef struct { PyObject_HEAD PyObject *types; } Ffi;
        static PyObject *ffi_new(void) { Ffi *f = PyObject_New(Ffi, &FfiType);
            f->types = PyDict_New(); return (PyObject *)f; }
        static int ffi_traverse(Ffi *f, visitproc visit, void *arg) {
            Py_VISIT(f->types); return 0; }
        static void ffi_dealloc(Ffi *f) { Py_XDECREF(f->types); }
        PyObject *lookup(Ffi *f, PyObject *name) {
            PyObject *types = f->types;
            PyObject *x = PyDict_GetItem(types, name);
            if (x == NULL) { x = PyDict_SetDefault(types, name, Py_None); }
            return x; }
        PyObject *peek(Ffi *f, PyObject *name) { return PyDict_GetItem(f->types, name); }"""
    assert patterns(code) == []
    # an item removed anywhere, the dict handed out, or a member table naming it
    removed = code.replace("static void ffi_dealloc(Ffi *f) {",
                           "void forget(Ffi *f, PyObject *k) { PyDict_DelItem(f->types, k); }\n"
                           "static void ffi_dealloc(Ffi *f) {")
    assert patterns(removed) == ["borrowed-dict-item"] * 2 + ["borrowed-setdefault"]
    handed = code.replace("return PyDict_GetItem(f->types, name); }",
                          "return Py_NewRef(f->types); }")
    assert patterns(handed) == ["borrowed-dict-item", "borrowed-setdefault"]
    member = code + """
        static PyMemberDef members[] = {{"types", T_OBJECT, offsetof(Ffi, types), 0}, {0}};"""
    assert patterns(member) == ["borrowed-dict-item"] * 2 + ["borrowed-setdefault"]
    # a dict from elsewhere (a caller's, which Python can empty), stored in the field
    given = code.replace("PyObject *ffi_new(void) {", "PyObject *ffi_new(PyObject *d) {").replace(
        "f->types = PyDict_New();", "f->types = d;")
    assert patterns(given) == ["borrowed-dict-item"] * 2 + ["borrowed-setdefault"]
    local_new = code.replace("f->types = PyDict_New();",
                             "PyObject *made = PyDict_New(); f->types = made;")
    assert patterns(local_new) == []
    through_local = code.replace("return x; }", "PyDict_Clear(types); return x; }")
    assert patterns(through_local) == ["borrowed-dict-item"] * 2 + ["borrowed-setdefault"]
