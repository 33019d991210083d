"""``gilcompat scan``: find the GIL-era patterns of the corpus in C sources, statically.

C is parsed with tree-sitter (error-tolerant, no preprocessing, no headers needed), so
real extension sources scan as they are. Each finding names file, line, column, the
pattern, the corpus case that shows it breaking and the fix. Safe forms stay quiet:
``...Ref`` APIs, ``_r`` libc calls, locals, ``_Atomic``/``_Thread_local``/``const``
state, writes between a lock and its unlock (PyMutex, pthread, critical sections), and
writes in module init (``PyInit_*`` and ``Py_mod_exec`` functions, and the helpers only
they call, run once, at import), a table that module init fills on a free-threaded
build through the macro that builds a slot only while it is empty (the build then never
runs after import there), and functions the author marked with a
``gilcompat: single-threaded`` comment (in the function or just before it: setup code
that never runs concurrently).
"""

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

from gilcompat.authors.scan_flow import FunctionFacts, under_construction
from gilcompat.authors.scan_patterns import (BORROWED_CALLS, BUFFER_WRITERS, NEWREF_CALLS,
                                            CRITICAL_SECTION_CALLS, LOCK_CALLS,
                                            OBJECT_MALLOC_CALLS, SET_ITEM_MACROS,
                                            BYTEARRAY_POINTERS, ITEMS_POINTER_CALLS,
                                            BLOCKING_CALLS, DETACH_MARKS,
                                            NATIVE_LOCK_CALLS, PYTHON_CALL_PREFIXES,
                                            STATEMENT_MACROS, SWAP_MACROS, TEARDOWN_WORDS,
                                            LOOP_ITEM_CALLS, NONREENTRANT_LIBC, PATTERNS,
                                            UNLOCK_CALLS)

# Structs that are Python objects: `struct name { PyObject_HEAD ...` and
# `typedef struct [tag] { PyObject_HEAD ... } name;` (no nested braces before the head).
OBJECT_STRUCT = re.compile(r"struct\s+(\w+)\s*\{\s*PyObject(?:_VAR)?_HEAD")
OBJECT_TYPEDEF = re.compile(r"typedef\s+struct\s*\w*\s*\{\s*PyObject(?:_VAR)?_HEAD[^{}]*\}\s*(\w+)")
# The object pointer fields of those structs: `PyObject *name;` (one per declaration).
OBJECT_FIELD = re.compile(r"PyObject\s*\*\s*(\w+)\s*;")
OBJECT_BODY = re.compile(r"struct\s*\w*\s*\{\s*PyObject(?:_VAR)?_HEAD([^{}]*)\}")
# Any struct body and its names (`struct name {...}`, `typedef struct {...} name`):
# for subtypes, whose first member is their base type's struct.
STRUCT_DEF = re.compile(r"struct\s*(\w*)\s*\{([^{}]*)\}\s*(\w*)")
MACRO_DEFINITION = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(\w+)(?:\([^)]*\))?[ \t]+(.*)$", re.M)
ATOMIC_PREFIXES = ("__atomic_", "__sync_", "atomic_", "_Py_atomic_", "Interlocked",
                   "_Interlocked", "std::atomic")
SCALAR_WORDS = {"int", "long", "short", "char", "unsigned", "signed", "size_t",
                "ssize_t", "Py_ssize_t", "double", "float", "bool", "_Bool", "int8_t",
                "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t",
                "uint64_t", "Py_hash_t", "Py_UCS4", "time_t", "off_t"}
ALLOCATING = re.compile(r"new|alloc|copy", re.I)
# Calls that return a new container of their own (a list of a mapping's keys, a slice):
# nobody else holds it, so its items are the caller's alone.
FRESH_CONTAINER_CALLS = {"PyMapping_Keys", "PyMapping_Values", "PyMapping_Items",
                         "PyDict_Keys", "PyDict_Values", "PyDict_Items", "PySequence_List",
                         "PySequence_Tuple", "PyList_AsTuple", "PyList_GetSlice",
                         "PySequence_GetSlice", "PyObject_Dir"}
# Borrowing calls that read a container: safe on one the function made itself.
CONTAINER_READS = {"PyList_GetItem", "PyDict_GetItem", "PyDict_GetItemString",
                   "PyDict_GetItemWithError", "_PyDict_GetItem_KnownHash",
                   "PyDict_SetDefault"}
# Calls that read a dict or add to it without replacing an item, and the owner's own
# uses (its GC visit, its teardown): a dict field that sees nothing else never drops a
# value it handed out, so a borrowed read from it stays valid while its owner lives.
INSERT_ONLY_USES = {"PyDict_GetItem", "PyDict_GetItemWithError", "PyDict_GetItemString",
                    "PyDict_GetItemRef", "PyDict_GetItemStringRef", "PyDict_SetDefault",
                    "PyDict_SetDefaultRef", "PyDict_Contains", "PyDict_Size"}
OWNER_USES = {"Py_VISIT", "Py_XDECREF", "Py_DECREF", "Py_CLEAR"}
FIRST_MEMBER = re.compile(r"^\s*(?:struct\s+)?(\w+)\s+\w+\s*;")

MODULE_STATE_TYPE = re.compile(
    r"\bm_size\s*=\s*sizeof\s*\(\s*(?:struct\s+)?(\w+)\s*\)"
    r"|\(\s*(?:struct\s+)?(\w+)\s*\*\s*\)\s*PyModule_GetState\b")
ASSERTS = {"assert", "Py_assert", "_PyObject_ASSERT", "_PyObject_ASSERT_WITH_MSG"}
C_SUFFIXES = (".c", ".h", ".cc", ".cpp", ".cxx", ".hpp")
CPP_SUFFIXES = (".cc", ".cpp", ".cxx", ".hpp", ".hh")
SINGLE_THREADED_MARK = "gilcompat: single-threaded"
THREAD_LOCAL_WORDS = {"_Thread_local", "__thread", "thread_local", "Py_thread_local",
                      "_Py_thread_local"}
QUIET_QUALIFIERS = {"const", "_Atomic"} | THREAD_LOCAL_WORDS
# `#define NPY_TLS __thread`: a project's own spelling of thread-local storage.
THREAD_LOCAL_MACRO = re.compile(
    r"^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+(?:\w+[ \t]+)*?"
    r"(?:_Thread_local|__thread|thread_local|Py_thread_local|_Py_thread_local|"
    r"__declspec\(\s*thread\s*\))[ \t]*$", re.M)
# Code a free-threaded build (3.13+, Py_GIL_DISABLED) never compiles: its findings are
# "gated", apart from the warnings.
FREE_THREADED_HEX = 0x030D0000
_VERSION_TEST = re.compile(r"^\(*\s*PY_VERSION_HEX\s*(<|<=|>=|>)\s*(0x[0-9a-fA-F]+)\s*\)*$")
_MAJOR_TEST = re.compile(r"^\(*\s*PY_MAJOR_VERSION\s*(<|<=|>=|>|==|!=)\s*(\d+)\s*\)*$")
_GIL_DISABLED_TEST = re.compile(r"^\(*\s*(!?)\s*defined\s*\(?\s*Py_GIL_DISABLED\s*\)?\s*\)*$")
COMPAT_HEADER = re.compile(r"compat", re.I)
# `table[i] != NULL`, `table == NULL`: a get-or-build macro's test of its static.
NULL_TESTED = re.compile(r"\b(\w+)\s*(?:\[[^\]]*\])?\s*[!=]=\s*NULL\b")
LINK_FIELDS = ("next", "link", "nxt", "next_free")
LOOPS = ("for_statement", "while_statement", "do_statement")


class ScanUnavailable(Exception):
    pass


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    column: int
    pattern: str
    case: Optional[str]
    message: str
    fix: str
    severity: str = "warning"     # "note" for how the module opts in; "gated" for code
                                  # a free-threaded build never compiles

    def to_json(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        case = f" [{self.case}]" if self.case else f" [{self.pattern}]"
        return (f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"
                f"{case}\n    fix: {self.fix}")


@dataclass
class SharedVar:
    name: str
    pointer: bool
    array: bool
    type_text: str
    quiet: bool

    @property
    def is_object(self) -> bool:
        return "PyObject" in self.type_text and self.pointer

    @property
    def is_char_buffer(self) -> bool:
        return self.array and not self.pointer and "char" in self.type_text


def _parser(cpp: bool = False):
    """A C parser, or a C++ one (templates and classes read right only with it)."""
    try:
        from tree_sitter import Language, Parser
        if cpp:
            import tree_sitter_cpp as grammar
        else:
            import tree_sitter_c as grammar
    except ImportError as exc:
        raise ScanUnavailable("gilcompat scan needs tree-sitter, tree-sitter-c and "
                              "tree-sitter-cpp (Python 3.10+): pip install tree-sitter "
                              "tree-sitter-c tree-sitter-cpp") from exc
    return Parser(Language(grammar.language()))


_STATEMENT_MACRO = re.compile(rb"\b(%s)\b(?![ \t]*[;(])" % "|".join(STATEMENT_MACROS).encode())


def with_statement_macros_closed(source: bytes) -> bytes:
    """``Py_BEGIN_ALLOW_THREADS`` and its kin with a semicolon after them (lines and the
    columns before them unchanged)."""
    return _STATEMENT_MACRO.sub(rb"\1;", source)


def is_cpp(path: str) -> bool:
    return Path(path).suffix.lower() in CPP_SUFFIXES


def _macro_definitions(source: bytes) -> List[Tuple[str, str]]:
    """(name, body) of each ``#define`` in the file, continuation lines joined."""
    text = source.decode("utf-8", "replace").replace("\\\n", " ")
    return MACRO_DEFINITION.findall(text)


def lock_macros(source: bytes) -> Dict[str, str]:
    """The file's own spellings of a lock or an unlock (``#define MMH3_HASHER_LOCK(h)
    PyMutex_Lock(&(h)->mutex)``): macro name -> the call it makes. A macro that both
    takes and releases a lock is neither. Any definition counts (a project defines
    it as a no-op for GIL builds in an #else)."""
    found = {}
    for name, body in _macro_definitions(source):
        words = set(re.findall(r"\w+", body))
        takes = [c for c in LOCK_CALLS if c in words]
        releases = [c for c in UNLOCK_CALLS if c in words]
        if bool(takes) != bool(releases):
            found[name] = (takes or releases)[0]
    return found


def get_or_build_macros(source: bytes) -> Dict[str, Tuple[str, Set[str]]]:
    """Macros that read a static and call a builder only while it is empty (cffi's
    ``get_primitive_type(num)``: ``all_primitives[num] != NULL ? all_primitives[num]
    : build_primitive_type(num)``): macro name -> (the static, the functions it calls)."""
    found = {}
    for name, body in _macro_definitions(source):
        tested = NULL_TESTED.search(body)
        if tested:
            found[name] = (tested.group(1),
                           set(re.findall(r"(\w+)\s*\(", body)) - {name, tested.group(1)})
    return found


def thread_local_macros(source: bytes) -> Set[str]:
    """Macros the file defines as a thread-local storage class."""
    return set(THREAD_LOCAL_MACRO.findall(source.decode("utf-8", "replace")))


def _free_threaded_never(condition: str, taken: bool) -> bool:
    """Whether a free-threaded build never compiles the branch of ``#if condition``
    that is ``taken`` (the #if part) or not (its #else). Only plain tests are read:
    PY_VERSION_HEX or PY_MAJOR_VERSION against a constant, defined(Py_GIL_DISABLED),
    and && of them in the #if part."""
    text = condition.strip()
    if taken and "&&" in text and "||" not in text:
        return any(_free_threaded_never(part, True) for part in text.split("&&"))
    version = _VERSION_TEST.match(text)
    if version:
        op, value = version.group(1), int(version.group(2), 16)
        below = (op == "<" and value <= FREE_THREADED_HEX) or \
            (op == "<=" and value < FREE_THREADED_HEX)
        at_least = (op == ">=" and value <= FREE_THREADED_HEX) or \
            (op == ">" and value < FREE_THREADED_HEX)
        return below if taken else at_least
    major = _MAJOR_TEST.match(text)
    if major:    # a free-threaded build is Python 3
        holds = {"<": 3 < int(major.group(2)), "<=": 3 <= int(major.group(2)),
                 ">": 3 > int(major.group(2)), ">=": 3 >= int(major.group(2)),
                 "==": 3 == int(major.group(2)), "!=": 3 != int(major.group(2))}
        return holds[major.group(1)] != taken
    gil = _GIL_DISABLED_TEST.match(text)
    if gil:
        negated = bool(gil.group(1))
        return negated if taken else not negated
    return False


def _gil_build_never(condition: str, taken: bool) -> bool:
    """Whether a GIL build never compiles that branch: only ``defined(Py_GIL_DISABLED)``
    (and && of it in the #if part) is read."""
    text = condition.strip()
    if taken and "&&" in text and "||" not in text:
        return any(_gil_build_never(part, True) for part in text.split("&&"))
    gil = _GIL_DISABLED_TEST.match(text)
    return bool(gil) and (not gil.group(1) if taken else bool(gil.group(1)))


def gate(node, never=_free_threaded_never) -> Optional[str]:
    """The #if a node sits in that a free-threaded build never compiles (or, with
    ``never=_gil_build_never``, that a GIL build never compiles), if any."""
    child, parent = node, node.parent
    while parent is not None:
        if parent.type in ("preproc_if", "preproc_elif", "preproc_ifdef", "preproc_elifdef"):
            in_else = child == parent.child_by_field_name("alternative")
            if parent.type.endswith("ifdef"):
                name = _text(parent.child_by_field_name("name"))
                negated = _text(parent.children[0]).strip().endswith("ifndef")
                condition = f"{'!' if negated else ''}defined({name})"
            else:
                condition = _text(parent.child_by_field_name("condition"))
            if child != parent.child_by_field_name("condition") and \
                    never(condition, not in_else):
                return f"#{'else of #' if in_else else ''}if {condition}"
        child, parent = parent, parent.parent
    return None


def object_structs(text: str) -> Tuple[Set[str], Set[str]]:
    """(the names of the text's Python object structs, their ``PyObject *`` fields).
    An object struct opens with PyObject_HEAD, or with another object struct as its
    first member (a subtype: wrapt's proxies embed their base's struct)."""
    names = set(OBJECT_STRUCT.findall(text)) | set(OBJECT_TYPEDEF.findall(text))
    fields = {f for body in OBJECT_BODY.findall(text) for f in OBJECT_FIELD.findall(body)}
    structs = STRUCT_DEF.findall(text)
    grew = True
    while grew:
        grew = False
        for tag, body, alias in structs:
            first = FIRST_MEMBER.match(body)
            own = {n for n in (tag, alias) if n}
            if first and first.group(1) in names and not own <= names:
                names |= own
                fields |= set(OBJECT_FIELD.findall(body))
                grew = True
    return names, fields


def _walk(node) -> Iterator:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _text(node) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""


def _calls(function_node, name: str) -> bool:
    """Whether the function calls ``name`` anywhere in its body."""
    return any(n.type == "call_expression" and _text(n.child_by_field_name("function")) == name
               for n in _walk(function_node.child_by_field_name("body")))


def _exit_block(node, body):
    """The block around ``node`` (not the function's body) if it then leaves the
    function or jumps away (``if (!x) { UNLOCK(); return NULL; }``), else None. An
    unlock there ends a lock taken before the block only on that path, not for the
    code after the block."""
    block = node.parent
    while block is not None and block.type != "compound_statement":
        block = block.parent
    if block is None or block == body:
        return None
    leaves = any(c.type in ("return_statement", "goto_statement", "break_statement",
                            "continue_statement") and c.start_byte > node.start_byte
                 for c in block.named_children)
    return block if leaves else None


def _first_identifier(node):
    """The first identifier in ``node`` (the name ``*name`` or ``name[4]`` declares),
    None if there is none."""
    return next((n for n in _walk(node) if n.type == "identifier"), None) \
        if node is not None else None


def _store_parts(node) -> Optional[tuple]:
    """(target, value) of a store (``T name = v`` or ``target = v``), else None."""
    if node.type == "init_declarator":
        return node.child_by_field_name("declarator"), node.child_by_field_name("value")
    if node.type == "assignment_expression":
        return node.child_by_field_name("left"), node.child_by_field_name("right")
    return None


def _values_stored(body, name: str, declared_only: bool = False) -> list:
    """What ``body`` stores in the local ``name``: its initializer and, unless
    ``declared_only``, its plain assignments (``name = v``)."""
    values = []
    for node in _walk(body):
        parts = _store_parts(node)
        if parts is None:
            continue
        target, value = parts
        if node.type == "init_declarator":
            hit = _text(_first_identifier(target)) == name
        else:
            hit = not declared_only and target is not None and \
                target.type == "identifier" and _text(target) == name
        if hit:
            values.append(value)
    return values


def _enclosing_function(node):
    while node is not None and node.type != "function_definition":
        node = node.parent
    return node


def _fresh_dict(value, function) -> bool:
    """Is ``value`` a dict made right here: ``PyDict_New()``, or a local this function
    set from it (``ldict = PyDict_New(); ... builder->types_dict = ldict``), or NULL?"""
    if value is None:
        return False
    if _text(value) in ("NULL", "0") or (value.type == "call_expression" and _text(
            value.child_by_field_name("function")) == "PyDict_New"):
        return True
    if value.type != "identifier" or function is None:
        return False
    sources = _values_stored(function, _text(value))
    return bool(sources) and all(_fresh_dict(v, None) for v in sources)


def _argument_of(node) -> Optional[Tuple[str, int]]:
    """(the callee, the argument's index) when ``node`` is an argument of a call."""
    args = node.parent
    if args is None or args.type != "argument_list" or args.parent.type != "call_expression":
        return None
    index = [c.id for c in args.named_children].index(node.id)
    return _text(args.parent.child_by_field_name("function")), index


def _insert_only_use(node) -> bool:
    """Whether a use of a dict field (``x->types_dict``) keeps it insert-only: the
    owner storing it, visiting or dropping it, a read or setdefault on it, or a local
    that holds it and sees only those."""
    parent = node.parent
    if parent.type == "assignment_expression" and parent.child_by_field_name("left") == node:
        # a dict the owner made: one from elsewhere, Python may empty
        return _fresh_dict(parent.child_by_field_name("right"), _enclosing_function(parent))
    argument = _argument_of(node)
    if argument is not None:
        callee, index = argument
        return callee in OWNER_USES or (callee in INSERT_ONLY_USES and index == 0)
    if parent.type != "init_declarator" or parent.child_by_field_name("value") != node:
        return False
    declared = _first_identifier(parent.child_by_field_name("declarator"))
    function = _enclosing_function(parent)
    if function is None or declared is None:
        return False
    uses = [_argument_of(n) for n in _walk(function) if n.type == "identifier"
            and _text(n) == _text(declared) and n != declared]
    return all(use is not None and use[0] in INSERT_ONLY_USES and use[1] == 0
               for use in uses)


def dict_field_uses(root) -> Dict[str, bool]:
    """Per field name this file uses: whether every use keeps it insert-only (a field
    ``offsetof`` names, for a member table that hands it to Python, does not)."""
    found: Dict[str, bool] = {}
    for node in _walk(root):
        if node.type == "field_expression":
            name = _text(node.child_by_field_name("field"))
            found[name] = found.get(name, True) and _insert_only_use(node)
        elif node.type == "offsetof_expression":
            found[_text(node.child_by_field_name("member"))] = False
    return found


def is_module_init(function_node) -> bool:
    """A module's init function: ``PyInit_*``, or declared PyMODINIT_FUNC (however an
    #if splits its head: cffi's names PyInit_ and Python 2's init_ in two branches)."""
    body = function_node.child_by_field_name("body")
    head = function_node.text[:(body.start_byte if body else function_node.end_byte)
                              - function_node.start_byte]
    return b"PyMODINIT_FUNC" in head or \
        function_name(function_node.child_by_field_name("declarator")).startswith("PyInit_")


def function_name(declarator) -> str:
    """A function definition's name as written: ``f``, or in C++ the qualified name
    (``MainGreenlet::~MainGreenlet``, not the class name a constructor shares)."""
    found = next((n for n in _walk(declarator) if n.type == "function_declarator"), None)
    named = found.child_by_field_name("declarator") if found is not None else None
    if named is None:
        ident = next((n for n in _walk(declarator) if n.type == "identifier"), None)
        return _text(ident)
    return re.sub(r"\s+", "", _text(named))


def _enclosing_call(node) -> Optional[str]:
    """The function of the call whose argument ``node`` (a call) is, if any."""
    parent = node.parent
    if parent is None or parent.type != "argument_list" or parent.parent is None:
        return None
    return _text(parent.parent.child_by_field_name("function"))


def _in_assert(node) -> bool:
    """Inside an ``assert(...)``: a check a release build drops, not a read the
    write after it depends on."""
    parent = node.parent
    while parent is not None and parent.type != "function_definition":
        if parent.type == "call_expression" and \
                _text(parent.child_by_field_name("function")) in ASSERTS:
            return True
        parent = parent.parent
    return False


STORING_CALL = re.compile(r"SetItem|Append|Insert|AddObject|SetAttr|Store")


def _published(function_node, name: str) -> bool:
    """Does the function hand local ``name`` to others: store it in a field, a global
    or an element (``self->cache = d = PyDict_New()``), or into a container or an
    attribute (``PyDict_SetItem(o, k, d)``)?"""
    for node in _walk(function_node.child_by_field_name("body")):
        if node.type == "assignment_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            while right is not None and right.type == "assignment_expression":
                right = right.child_by_field_name("left")      # a = b = value: b's name
            if right is not None and _text(right) == name and left.type != "identifier":
                return True
        elif node.type == "call_expression" and \
                STORING_CALL.search(_text(node.child_by_field_name("function"))):
            args = node.child_by_field_name("arguments")
            if any(_text(a) == name for a in (args.named_children[1:] if args else ())):
                return True
    return False


def _kept_here(fn: "_Function", name: str) -> bool:
    """A container this function made and has not handed to anyone else."""
    return name in fn.made_here and not _published(fn.node, name)


def _declared(decl, quiet_words=frozenset(QUIET_QUALIFIERS)) -> List[SharedVar]:
    """The variables a declaration node declares (prototypes excluded); a qualifier
    among ``quiet_words`` (const, atomic, thread-local) makes them quiet."""
    declarators = decl.children_by_field_name("declarator")
    end = declarators[0].start_byte if declarators else decl.end_byte
    # Everything before the first declarator: storage, qualifiers and type. tree-sitter
    # reads some qualifiers (_Thread_local) as part of the type, so look at the words.
    head = decl.text[:end - decl.start_byte].decode("utf-8", "replace")
    type_text = _text(decl.child_by_field_name("type"))
    quiet = bool(set(re.findall(r"\w+", head)) & quiet_words) or \
        "PyMutex" in type_text or "pthread_mutex_t" in type_text or \
        bool(re.search(r"\batomic(_\w+)?\s*<|\batomic_\w+\b", type_text))   # C++ std::atomic
    found = []
    for declarator in declarators:
        node, pointer, array = declarator, False, False
        if node.type == "init_declarator":
            node = node.child_by_field_name("declarator")
        while node is not None and node.type != "identifier":
            if node.type == "function_declarator":
                node = None
                break
            pointer |= node.type == "pointer_declarator"
            array |= node.type == "array_declarator"
            node = node.child_by_field_name("declarator") or \
                next((c for c in node.named_children if c.type.endswith("declarator")
                      or c.type == "identifier"), None)
        if node is not None:
            found.append(SharedVar(_text(node), pointer, array, type_text, quiet))
    return found


def _root(node) -> Tuple[Optional[str], bool]:
    """(root identifier of an lvalue, whether it was reached through '->')."""
    through_arrow = False
    while node is not None and node.type != "identifier":
        if node.type == "field_expression":
            through_arrow |= _text(node.child_by_field_name("operator")) == "->"
            node = node.child_by_field_name("argument")
        elif node.type in ("subscript_expression", "pointer_expression",
                           "parenthesized_expression", "cast_expression"):
            node = node.child_by_field_name("argument") or \
                node.child_by_field_name("value") or \
                (node.named_children[-1] if node.named_children else None)
        else:
            return None, through_arrow
    return (_text(node) if node is not None else None), through_arrow


def function_facts(node, fn: "_Function") -> FunctionFacts:
    """What scan_flow needs of one function: its parameters in order, the locals it
    allocates, its calls' arguments, and its local structs' field stores and copies."""
    declarator = node.child_by_field_name("declarator")
    lists = [n for n in _walk(declarator) if n.type == "parameter_list"]
    params = [v.name for p in (lists[0].named_children if lists else [])
              if p.type == "parameter_declaration" for v in _declared(p)]
    facts = FunctionFacts(params, set(fn.made_here), [])
    for n in _walk(node.child_by_field_name("body")):
        parts = _store_parts(n)
        if n.type == "call_expression":
            args = n.child_by_field_name("arguments")
            facts.calls.append((_text(n.child_by_field_name("function")),
                                [_text(a) for a in (args.named_children if args else ())]))
        elif parts is not None:
            left, right = parts
            if left is None or right is None:
                continue
            if left.type == "field_expression" and \
                    _text(left.child_by_field_name("operator")) == "." and \
                    left.child_by_field_name("argument").type == "identifier":
                facts.field_sets.append((_text(left.child_by_field_name("argument")),
                                         _text(left.child_by_field_name("field")), _text(right)))
            elif left.type == "identifier" and right.type == "pointer_expression":
                facts.copies.append((_text(left), _text(right)))
    return facts


class _Function:
    """One function body: its names, its locked regions, and whether it is init-time."""

    def __init__(self, node, init_names: Set[str], quiet_words=frozenset(QUIET_QUALIFIERS),
                 lock_spellings: Optional[Dict[str, str]] = None,
                 held_names: frozenset = frozenset(),
                 building: Optional[Dict[str, Set[str]]] = None):
        self.node = node
        declarator = node.child_by_field_name("declarator")
        self.name = function_name(declarator)
        before = node.prev_sibling
        marked = SINGLE_THREADED_MARK in _text(node) or (
            before is not None and before.type == "comment"
            and SINGLE_THREADED_MARK in _text(before))
        self.init_time = is_module_init(node) or self.name in init_names or marked
        self.held_by_callers = self.name in held_names    # every caller holds a lock
        # parameters that only get an object their callers are still building
        self.building = (building or {}).get(self.name, set())
        self.param_types = {v.name: v.type_text for p in _walk(declarator)
                            if p.type == "parameter_declaration"
                            for v in _declared(p, quiet_words)}
        self.params = set(self.param_types)
        self.teardown = any(word in self.name.lower() for word in TEARDOWN_WORDS)
        self.locals: Set[str] = set()
        self.local_types: Dict[str, str] = {}
        self.statics: Dict[str, SharedVar] = {}
        body = node.child_by_field_name("body")
        for decl in (n for n in _walk(body) if n.type == "declaration"):
            is_static = any(_text(c) == "static" for c in decl.children
                            if c.type == "storage_class_specifier")
            for var in _declared(decl, quiet_words):
                if is_static:
                    self.statics[var.name] = var
                else:
                    self.locals.add(var.name)
                    self.local_types[var.name] = var.type_text
        self.made_here = self._allocated_locals(body)
        marks, detach = [], []
        spellings = lock_spellings or {}
        for ident in (n for n in _walk(body) if n.type == "identifier"):
            name = spellings.get(_text(ident), _text(ident))   # a project's lock macro
            if name in LOCK_CALLS:
                marks.append((ident.start_byte, 1, name))
            elif name in UNLOCK_CALLS:
                exit_block = _exit_block(ident, body)
                # An unlock on an exit path, with its lock taken before that block.
                if exit_block is None or any(step > 0 and at >= exit_block.start_byte
                                             for at, step, _ in marks):
                    marks.append((ident.start_byte, -1, name))
            elif name in DETACH_MARKS:
                detach.append((ident.start_byte, DETACH_MARKS[name], name))
        self.marks, self.detach_marks = sorted(marks), sorted(detach)
        # Does this function run with a thread state attached at all (a C helper a
        # thread of its own runs may block as it likes)?
        text = _text(node)
        self.attached = any(word in text for word in ("PyObject", "GC_ENTER", "PyGILState_Ensure"))

    @staticmethod
    def _allocated_locals(body) -> Set[str]:
        """Locals given a new allocation here (``x = PyObject_New(...)``, a type's
        ``tp_alloc``, any ``*New*``/``*alloc*`` call): an object this call is building,
        which no other thread has seen yet."""
        made = set()
        for node in _walk(body):
            parts = _store_parts(node)
            if parts is None:
                continue
            target, value = parts
            while value is not None and value.type in ("cast_expression", "parenthesized_expression"):
                value = value.child_by_field_name("value") or value.named_children[-1]
            if value is not None and value.type == "call_expression":
                called = _text(value.child_by_field_name("function"))
                if ALLOCATING.search(called) or called in FRESH_CONTAINER_CALLS:
                    made.add(_text(target).lstrip("*").strip())
        return made

    def locked(self, position: int, only=None, marks=None) -> bool:
        """Is a lock held at ``position`` (of the kinds in ``only``, if given)?"""
        if self.held_by_callers and only is None and marks is None:
            return True
        depth = 0
        for at, step, name in (self.marks if marks is None else marks):
            if at >= position:
                break
            if only is None or name in only:
                depth = max(0, depth + step)
        return depth > 0

    def detached(self, position: int) -> bool:
        """Is the thread state detached at ``position`` (Py_BEGIN_ALLOW_THREADS)?"""
        return self.locked(position, marks=self.detach_marks)

    def in_loop(self, node) -> bool:
        return self.loop_of(node) is not None

    def loop_of(self, node):
        """The innermost loop around ``node`` in this function, or None."""
        parent = node.parent
        while parent is not None and parent != self.node:
            if parent.type in LOOPS:
                return parent
            parent = parent.parent
        return None


@dataclass
class CallGraph:
    """Calls between functions (callee -> its callers) and the module init roots."""
    names: Set[str] = field(default_factory=set)
    callers: Dict[str, Set[str]] = field(default_factory=dict)
    roots: Set[str] = field(default_factory=set)
    # callee -> (caller, whether the call site holds a lock) for each call site
    sites: Dict[str, List[Tuple[str, bool]]] = field(default_factory=dict)
    facts: Dict[str, FunctionFacts] = field(default_factory=dict)   # for scan_flow
    # functions named other than in a call (a method table, a callback argument):
    # whoever calls them through the pointer hands them objects from outside
    referenced: Set[str] = field(default_factory=set)
    # (caller, static, builder): a get-or-build macro called where only a free-threaded
    # build compiles (`#ifdef Py_GIL_DISABLED`)
    prefill_sites: Set[Tuple[str, str, str]] = field(default_factory=set)
    # field name -> whether every use, in every file, keeps the dict it holds insert-only
    dict_fields: Dict[str, bool] = field(default_factory=dict)

    def merge(self, other: "CallGraph") -> None:
        self.names |= other.names
        self.roots |= other.roots
        for callee, callers in other.callers.items():
            self.callers.setdefault(callee, set()).update(callers)
        for callee, sites in other.sites.items():
            self.sites.setdefault(callee, []).extend(sites)
        self.facts.update(other.facts)
        self.referenced |= other.referenced
        self.prefill_sites |= other.prefill_sites
        for name, insert_only in other.dict_fields.items():
            self.dict_fields[name] = self.dict_fields.get(name, True) and insert_only

    def held_by_callers(self) -> frozenset:
        """Functions every call of which holds a lock, directly or through a caller
        that is itself only called so (cffi's more_core(), called by the closure
        allocator under its mutex): their bodies run locked."""
        held: Set[str] = set()
        changed = True
        while changed:
            extra = {n for n in self.names - held - self.referenced if self.sites.get(n)
                     and all(locked or caller in held for caller, locked in self.sites[n])}
            held |= extra
            changed = bool(extra)
        return frozenset(held)

    def init_only(self) -> Set[str]:
        """The roots, plus every function that only init-only functions call (a
        table filled by a helper of PyInit_* runs once, at import)."""
        init = set(self.roots)
        changed = True
        while changed:
            extra = {n for n in self.names - init - self.referenced
                     if self.callers.get(n) and self.callers[n] <= init}
            init |= extra
            changed = bool(extra)
        return init

    def program(self) -> "Program":
        init = self.init_only()
        # A builder anything calls but its macro (directly, or through a pointer)
        # can write its static after import: not prefilled.
        prefilled = frozenset((table, builder) for caller, table, builder in self.prefill_sites
                              if caller in init and builder not in self.callers
                              and builder not in self.referenced)
        return Program(frozenset(init), self.held_by_callers(),
                       under_construction(self.facts, self.referenced), prefilled,
                       frozenset(n for n, insert_only in self.dict_fields.items()
                                 if insert_only))


@dataclass(frozen=True)
class Program:
    """What the whole program's call graph says of its functions, for each file's scan."""
    init_names: frozenset = frozenset()     # only module init runs them
    held_names: frozenset = frozenset()     # every caller holds a lock
    # per function, the parameters that only get an object still being built
    building: Dict[str, Set[str]] = field(default_factory=dict)
    # (static, builder): on a free-threaded build module init fills the static through
    # its get-or-build macro (cffi 2's all_primitives), and nothing but that macro calls
    # the builder, so the builder's write never runs after import there
    prefilled: frozenset = frozenset()
    # dict fields nothing removes or replaces an item of (cffi's types_dict)
    insert_only: frozenset = frozenset()


class _FileScan:
    def __init__(self, path: str, source: bytes, tree,
                 external: Optional[Dict[str, SharedVar]] = None,
                 macros: Optional[Set[str]] = None, global_types: Optional[Set[str]] = None,
                 locks: Optional[Dict[str, str]] = None,
                 get_or_build: Optional[Dict[str, Tuple[str, Set[str]]]] = None,
                 program: Optional[Program] = None):
        """``external``: globals other files scanned with this one define (a case's
        family scaffolding, a project's other files): shared here too. ``macros``:
        thread-local spellings those files define (this file's own are added).
        ``global_types``: the types of every file's globals, statics included.
        ``locks``: lock and unlock macros those files define (this file's added), and
        ``get_or_build`` their get-or-build macros. ``program``: what the call graph of
        every file says (this file's alone when None)."""
        self.path, self.source, self.root = path, source, tree.root_node
        self.findings: List[Finding] = []
        self.reported: Set[tuple] = set()
        self.quiet_words = frozenset(QUIET_QUALIFIERS | thread_local_macros(source)
                                     | set(macros or ()))
        # A compatibility header (pythoncapi_compat.h and the like) carries fallbacks
        # for older Pythons: what it defines for 3.13+ is the real API.
        self.compat_header = (Path(path).suffix in (".h", ".hpp", ".hh")
                              and bool(COMPAT_HEADER.search(Path(path).name))
                              and b"PY_VERSION_HEX" in source)
        self.lock_spellings = {**(locks or {}), **lock_macros(source)}
        self.get_or_build = {**(get_or_build or {}), **get_or_build_macros(source)}
        self.shared: Dict[str, SharedVar] = dict(external or {})
        # A declaration a free-threaded build never compiles (a GIL build's spelling
        # beside an atomic one) only stands where there is no other.
        declarations = sorted(self.file_scope_declarations(), key=lambda d: gate(d) is None)
        for decl in declarations:
            for var in _declared(decl, self.quiet_words):
                self.shared[var.name] = var
        self.program = program or self.call_graph().program()
        text = source.decode("utf-8", "replace")
        self.object_structs, self.object_fields = object_structs(text)
        self.global_types = self.own_global_types() | set(global_types or ())
        self.written_fields = self._written_fields()

    def external_globals(self) -> Dict[str, SharedVar]:
        """The file-scope variables this file gives other files (not static)."""
        found = {}
        for decl in self.file_scope_declarations():
            words = set(re.findall(r"\w+", _text(decl).split("=")[0]))
            if "static" not in words and "extern" not in words:
                found.update({v.name: v for v in _declared(decl, self.quiet_words)})
        return found

    def own_global_types(self) -> Set[str]:
        """The type names of this file's file-scope variables, statics included, and
        of its module state (``.m_size = sizeof(T)``, ``(T *)PyModule_GetState(m)``):
        one per module, which every thread of the interpreter shares."""
        found = {w for decl in self.file_scope_declarations() for var in _declared(decl)
                 for w in re.findall(r"\w+", var.type_text)}
        text = self.source.decode("utf-8", "replace")
        found.update(m.group(1) or m.group(2) for m in MODULE_STATE_TYPE.finditer(text))
        return found - {"struct", "const"}

    def file_scope_declarations(self) -> List:
        """Declarations outside any function, including those inside #if blocks."""
        found, stack = [], [self.root]
        while stack:
            node = stack.pop()
            for child in node.children:
                if child.type == "declaration":
                    found.append(child)
                elif child.type != "function_definition":
                    stack.append(child)
        return found

    def _written_fields(self) -> Dict[str, Set[str]]:
        """Per function: the fields it assigns or updates through ``->`` on an object
        it did not allocate itself (filling a new object is no write another thread
        can see)."""
        written: Dict[str, Set[str]] = {}
        for fn in (n for n in _walk(self.root) if n.type == "function_definition"):
            name = function_name(fn.child_by_field_name("declarator"))
            made = _Function._allocated_locals(fn.child_by_field_name("body"))
            for node in _walk(fn):
                if node.type in ("assignment_expression", "update_expression"):
                    target = node.child_by_field_name("left") or \
                        node.child_by_field_name("argument")
                    if target is not None and target.type == "field_expression" and \
                            _text(target.child_by_field_name("operator")) == "->" and \
                            _root(target)[0] not in made:
                        written.setdefault(name, set()).add(
                            _text(target.child_by_field_name("field")))
        return written

    def _torn_copy(self, fn: _Function) -> None:
        """``p = PyObject_New(...); p->h = self->h; p->len = self->len;``: two or more
        fields of a shared parameter copied with no lock, which another function of the
        file writes (mmh3's hasher copy() beside its update())."""
        if fn.init_time or fn.teardown:
            return
        copied: Dict[str, List] = {}
        for node in _walk(fn.node.child_by_field_name("body")):
            if node.type != "assignment_expression" or fn.locked(node.start_byte):
                continue
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None or right.type != "field_expression":
                continue
            into, _ = _root(left)
            source, through_arrow = _root(right)
            if into in fn.made_here and through_arrow and source in fn.params and \
                    self._shared_object(fn, source):
                copied.setdefault(source, []).append((node, _text(right.child_by_field_name("field"))))
        others = set().union(*(f for n, f in self.written_fields.items() if n != fn.name))
        for source, pairs in copied.items():
            if len({field for _, field in pairs if field in others}) >= 2:
                self.add(pairs[0][0], "torn-field-copy", source,
                         once_key=(fn.name, "torn", source))

    def call_graph(self) -> "CallGraph":
        """Who calls whom among this file's functions, and its module init functions
        (PyInit_*, PyMODINIT_FUNC, Py_mod_exec slots). A caller a free-threaded build
        never compiles (Python 2's ``init<name>`` beside ``PyInit_<name>``, in the
        #else of PY_MAJOR_VERSION >= 3) is no caller."""
        graph = CallGraph(roots=self._exec_slot_functions())
        for fn in (n for n in _walk(self.root) if n.type == "function_definition"):
            name = function_name(fn.child_by_field_name("declarator"))
            if is_module_init(fn):
                graph.roots.add(name)
            if gate(fn) is not None:
                continue
            graph.names.add(name)
            caller = _Function(fn, set(), self.quiet_words, self.lock_spellings)
            for call in (n for n in _walk(fn.child_by_field_name("body"))
                         if n.type == "call_expression"):
                callee = _text(call.child_by_field_name("function"))
                graph.callers.setdefault(callee, set()).add(name)
                graph.sites.setdefault(callee, []).append(
                    (name, caller.locked(call.start_byte)))
                if callee in self.get_or_build and gate(call, _gil_build_never):
                    table, builders = self.get_or_build[callee]
                    graph.prefill_sites |= {(name, table, b) for b in builders}
            graph.facts[name] = function_facts(fn, caller)
        graph.referenced = self._referenced_functions(graph.names)
        graph.dict_fields = dict_field_uses(self.root)
        return graph

    def _referenced_functions(self, names: Set[str]) -> Set[str]:
        """Which of ``names`` the file names other than as the function of a call or
        in its own declaration: their address is taken."""
        found = set()
        for node in _walk(self.root):
            if node.type != "identifier" or _text(node) not in names:
                continue
            parent = node.parent
            if parent is not None and parent.type == "call_expression" and \
                    parent.child_by_field_name("function") == node:
                continue
            if parent is not None and parent.type == "function_declarator":
                continue
            found.add(_text(node))
        return found

    def _exec_slot_functions(self) -> Set[str]:
        names = set()
        for node in _walk(self.root):
            if node.type == "initializer_list":
                idents = [_text(c) for c in node.named_children]
                if idents and idents[0] == "Py_mod_exec" and len(idents) > 1:
                    names.add(re.sub(r"^\(.*\)\s*", "", idents[1]).lstrip("&"))
        return names

    def add(self, node, pattern_id: str, name: str, once_key=None, **extra) -> None:
        key = once_key or (pattern_id, name, node.start_point[0])
        if key in self.reported:
            return
        self.reported.add(key)
        pattern = PATTERNS[pattern_id]
        values = {"name": name, **extra}
        severity = pattern.severity or ("note" if pattern.case is None else "warning")
        message = pattern.message.format(**values)
        never = "a compatibility header" if self.compat_header else gate(node)
        if never and severity == "warning":
            severity = "gated"
            message += f" (in {never}: a free-threaded build never compiles it)"
        self.findings.append(Finding(
            self.path, node.start_point[0] + 1, node.start_point[1] + 1, pattern_id,
            pattern.case, message, pattern.fix.format(**values), severity))

    # ------------------------------------------------------------ per function

    def scan_function(self, node) -> None:
        fn = _Function(node, self.program.init_names, self.quiet_words, self.lock_spellings,
                       self.program.held_names, self.program.building)
        for inner in _walk(node.child_by_field_name("body")):
            if inner.type in ("assignment_expression", "update_expression"):
                self._write(fn, inner)
            elif inner.type == "call_expression":
                self._call(fn, inner)
            elif inner.type == "return_statement":
                self._return(fn, inner)
            elif inner.type == "goto_statement":
                self._goto(fn, inner)
            elif inner.type == "binary_expression":
                self._refcount_one(fn, inner)
        self._torn_copy(fn)

    def _var(self, fn: _Function, name: Optional[str]) -> Optional[SharedVar]:
        if name is None or name in fn.locals or name in fn.params:
            return None
        var = fn.statics.get(name) or self.shared.get(name)
        return None if var is None or var.quiet else var

    def _write(self, fn: _Function, node) -> None:
        target = node.child_by_field_name("left") or node.child_by_field_name("argument")
        name, through_arrow = _root(target)
        if fn.init_time or fn.locked(node.start_byte):
            return
        var = self._var(fn, name)
        if (name, fn.name) in self.program.prefilled:
            return      # filled at import on a free-threaded build: never written after
        if var is None:
            if through_arrow and (name in fn.params and self._shared_object(fn, name)
                                  or self._shared_local(fn, name)):
                self._field_write(fn, node, target, name)
            return
        lazy = self._lazy_guard(node, name)
        if lazy is not None:
            self.add(lazy, "lazy-static-init", name, once_key=(fn.name, "lazy", name))
        elif node.type == "assignment_expression" and self._pops_list(node, name):
            self.add(node, "free-list", name, once_key=(fn.name, "free", name))
        else:
            pattern = ("unowned-registry" if var.is_object and var.array else
                       "global-object-swap" if var.is_object else
                       "static-buffer" if var.is_char_buffer else "unlocked-static-write")
            self.add(node, pattern, name, once_key=(fn.name, pattern, name))

    def _shared_object(self, fn: _Function, name: str) -> bool:
        """Does parameter ``name`` point at state other threads reach: self, a Python
        object (PyObject, one of the file's PyObject_HEAD structs), or a C struct the
        program keeps in a global? A struct only ever made per call (a parser's or a
        matcher's state on the caller's stack) is the caller's own."""
        if name in fn.building:
            return False        # an object its callers are still building
        words = set(re.findall(r"\w+", fn.param_types.get(name, ""))) - {"struct", "const"}
        return name == "self" or "PyObject" in words or \
            bool(words & (self.object_structs | self.global_types))

    def _shared_local(self, fn: _Function, name: str) -> bool:
        """Does local ``name`` point at one of the file's Python object structs that
        this function did not allocate (``pattern = state->pattern``: regex's match
        state returning storage to its pattern's one-slot cache)?"""
        words = set(re.findall(r"\w+", fn.local_types.get(name, ""))) - {"struct", "const"}
        return name not in fn.made_here and bool(words & self.object_structs)

    def _field_write(self, fn: _Function, node, target, name: str) -> None:
        # A plain store to an object pointer field is a swap (even after a read of the
        # old value to drop it); anything else that reads the field first is an RMW.
        swap = (node.type == "assignment_expression"
                and _text(node.child_by_field_name("operator")) == "="
                and _text(target.child_by_field_name("field")) in self.object_fields)
        if swap and not fn.teardown:
            self.add(node, "object-field-swap", _text(target),
                     once_key=(fn.name, "swap", _text(target)))
        elif not swap and self._read_modify_write(fn, node, target):
            pattern = "method-field-rmw" if name == "self" else "per-object-state"
            self.add(node, pattern, _text(target), once_key=(fn.name, _text(target)))

    def _read_modify_write(self, fn: _Function, node, target) -> bool:
        if node.type == "update_expression":
            return True
        if _text(node.child_by_field_name("operator")) != "=":
            return True
        # `i = self->pos; ...; self->pos = i + 1`: the same field read earlier.
        target_text = _text(target)
        body = fn.node.child_by_field_name("body")
        for other in _walk(body):
            if other.start_byte >= node.start_byte:
                break
            if other.type == "field_expression" and _text(other) == target_text \
                    and not _in_assert(other):
                parent = other.parent
                if not (parent.type == "assignment_expression"
                        and parent.child_by_field_name("left") == other):
                    return True
        return False

    def _lazy_guard(self, node, name: str):
        """The `if (!name)` / `if (name == NULL)` around this write, if any."""
        parent = node.parent
        while parent is not None and parent.type not in ("function_definition",):
            if parent.type == "if_statement":
                cond = _text(parent.child_by_field_name("condition"))
                if re.search(r"!\s*%s\b|\b%s\s*==\s*(NULL|0)\b|\b(NULL|0)\s*==\s*%s\b"
                             % ((re.escape(name),) * 3), cond):
                    return parent
            parent = parent.parent
        return None

    @staticmethod
    def _pops_list(node, name: str) -> bool:
        """`head = head->next`, or `head = block->next` (unlinking a list node)."""
        right = node.child_by_field_name("right")
        if right is None or right.type != "field_expression":
            return False
        field_name = _text(right.child_by_field_name("field"))
        return _root(right.child_by_field_name("argument"))[0] == name or \
            field_name in LINK_FIELDS

    def _call(self, fn: _Function, node) -> None:
        callee = _text(node.child_by_field_name("function"))
        if callee in OBJECT_MALLOC_CALLS and not self._sized_for_an_object(node):
            self.add(node, "object-malloc-buffer", callee)
            return
        if callee in NONREENTRANT_LIBC:
            self.add(node, "nonreentrant-libc", callee, fix_name=NONREENTRANT_LIBC[callee])
            return
        if callee.startswith(PYTHON_CALL_PREFIXES) and \
                fn.locked(node.start_byte, only=NATIVE_LOCK_CALLS):
            self.add(node, "lock-across-python", callee)
            return
        if callee in BLOCKING_CALLS and fn.attached and not fn.init_time \
                and not fn.detached(node.start_byte):
            self.add(node, "blocking-call-attached", callee)
            return
        if fn.locked(node.start_byte) or fn.init_time:
            return
        if callee in SWAP_MACROS and not fn.teardown:
            self._swap_macro(fn, node)
        elif callee == "PyList_GetItem" and _enclosing_call(node) in NEWREF_CALLS:
            self.add(node, "borrowed-list-newref", _enclosing_call(node))
        elif callee in BORROWED_CALLS and not (
                callee in CONTAINER_READS and (self._own_container(fn, node)
                                               or self._insert_only_dict(fn, node))):
            self.add(node, BORROWED_CALLS[callee], callee)
        elif callee in LOOP_ITEM_CALLS and fn.in_loop(node):
            # Once per loop: each walk over a list is its own hazard.
            loop = fn.loop_of(node)
            self.add(node, "stale-sequence-size", callee,
                     once_key=(fn.name, "stale", loop.start_byte))
        elif callee in ITEMS_POINTER_CALLS and self._indexed_in_loop(fn, node):
            self.add(node, "items-pointer-loop", callee)
        elif callee == "PyList_GET_ITEM" and self._escaped_container(fn, node):
            # Outside a loop too: `if (PyList_GET_SIZE(l)) x = PyList_GET_ITEM(l, 0);`
            # then a Py_INCREF later, while another thread replaces the item.
            self.add(node, "borrowed-list-item", callee)
        elif callee in BYTEARRAY_POINTERS and not _calls(fn.node, "PyObject_GetBuffer"):
            self.add(node, "bytearray-raw-pointer", callee, once_key=(fn.name, "bytearray"))
        elif callee in SET_ITEM_MACROS and self._escaped_container(fn, node):
            target = _root(node.child_by_field_name("arguments").named_children[0])[0]
            self.add(node, "set-item-escaped", callee, target=target)
        elif callee == "PyDict_Next":
            self.add(node, "dict-next-unlocked", callee)
        elif self._scalar_out_argument(fn, node):
            name = self._scalar_out_argument(fn, node)
            self.add(node, "unlocked-static-write", name, once_key=(fn.name, "out", name))
        elif callee in BUFFER_WRITERS:
            args = node.child_by_field_name("arguments")
            first = args.named_children[0] if args is not None and args.named_children else None
            name, _ = _root(first)
            var = self._var(fn, name)
            if var is not None and var.is_char_buffer:
                self.add(node, "static-buffer", name, once_key=(fn.name, "static-buffer", name))

    def _scalar_out_argument(self, fn: _Function, call) -> Optional[str]:
        """A shared scalar whose address the call gets (``sysctlbyname(..., &maxcpus,
        ...)``: psutil's function-level static, written by the callee each call)."""
        if _text(call.child_by_field_name("function")).startswith(ATOMIC_PREFIXES):
            return None         # an atomic operation takes the address to be atomic
        args = call.child_by_field_name("arguments")
        for arg in (args.named_children if args is not None else []):
            if arg.type == "pointer_expression" and _text(arg).startswith("&"):
                operand = arg.child_by_field_name("argument")
                if operand is None or operand.type != "identifier":
                    continue
                var = self._var(fn, _text(operand))
                if var is not None and not (var.pointer or var.array) and \
                        set(re.findall(r"\w+", var.type_text)) & SCALAR_WORDS:
                    return var.name
        return None

    def _swap_macro(self, fn: _Function, call) -> None:
        """`Py_XSETREF(self->field, value)` on a shared object's pointer field."""
        args = call.child_by_field_name("arguments")
        first = args.named_children[0] if args is not None and args.named_children else None
        if first is None or first.type != "field_expression":
            return
        name, through_arrow = _root(first)
        if through_arrow and name in fn.params and self._shared_object(fn, name) and \
                _text(first.child_by_field_name("field")) in self.object_fields:
            self.add(call, "object-field-swap", _text(first),
                     once_key=(fn.name, "swap", _text(first)))

    @staticmethod
    def _indexed_in_loop(fn: _Function, call) -> bool:
        """`items = PySequence_Fast_ITEMS(seq)` taken before a loop that indexes
        `items[i]`: the pointer goes stale when another thread resizes the list."""
        parent = call.parent
        while parent is not None and parent.type in ("cast_expression", "parenthesized_expression"):
            parent = parent.parent
        parts = _store_parts(parent) if parent is not None else None
        if parts is None:
            return False
        name = _text(_first_identifier(parts[0]))
        body = fn.node.child_by_field_name("body")
        return any(n.type == "subscript_expression" and n.start_byte > call.end_byte
                   and _root(n)[0] == name and fn.in_loop(n) for n in _walk(body))

    @staticmethod
    def _own_container(fn: _Function, call) -> bool:
        """Whether the container a call reads is one this function made (a new list,
        ``PyMapping_Keys(m)``): no other thread holds it to change its items."""
        args = call.child_by_field_name("arguments")
        if args is None or not args.named_children:
            return False
        name, through_arrow = _root(args.named_children[0])
        return not through_arrow and _kept_here(fn, name)

    def _insert_only_dict(self, fn: _Function, call) -> bool:
        """Whether a dict read reads a field no one removes or replaces items of,
        directly or through a local that holds it."""
        args = call.child_by_field_name("arguments")
        first = args.named_children[0] if args is not None and args.named_children else None
        if first is not None and first.type == "identifier":
            held = _values_stored(fn.node, _text(first), declared_only=True)
            first = held[0] if len(held) == 1 else None
        return first is not None and first.type == "field_expression" and \
            _text(first.child_by_field_name("field")) in self.program.insert_only

    def _escaped_container(self, fn: _Function, call) -> bool:
        """Whether the container a SET_ITEM macro stores into came from outside the
        function (a parameter) or is shared state (a global): others may see it."""
        args = call.child_by_field_name("arguments")
        if args is None or not args.named_children:
            return False
        name, _ = _root(args.named_children[0])
        if _kept_here(fn, name):
            return False        # `*out = PyList_New(n)`: built here, for the caller
        return name in fn.params or self._var(fn, name) is not None

    def _sized_for_an_object(self, call) -> bool:
        """Whether an object-allocator call is for an object: its size, or the type
        its result is cast or declared to, names PyObject or one of the file's structs
        that open with PyObject_HEAD."""
        parent = call.parent
        context = _text(call.child_by_field_name("arguments"))
        if parent is not None and parent.type == "cast_expression":
            context += _text(parent.child_by_field_name("type"))
        elif parent is not None and parent.type == "init_declarator" and parent.parent:
            context += _text(parent.parent.child_by_field_name("type"))
        names = set(re.findall(r"\w+", context))
        return "PyObject" in names or bool(names & self.object_structs)

    def _goto(self, fn: _Function, node) -> None:
        """A goto out of a critical section (to a label past its end) leaves it held."""
        if not fn.locked(node.start_byte, only=CRITICAL_SECTION_CALLS):
            return
        label = _text(node.child_by_field_name("label"))
        target = next((n for n in _walk(fn.node.child_by_field_name("body"))
                       if n.type == "labeled_statement"
                       and _text(n.child_by_field_name("label")) == label), None)
        if target is not None and not fn.locked(target.start_byte, only=CRITICAL_SECTION_CALLS):
            self.add(node, "critical-section-left", fn.name)

    def _return(self, fn: _Function, node) -> None:
        if fn.locked(node.start_byte, only=CRITICAL_SECTION_CALLS):
            self.add(node, "critical-section-left", fn.name)
        value = node.named_children[0] if node.named_children else None
        name, _ = _root(value)
        var = self._var(fn, name)
        if var is not None and var.is_char_buffer:
            self.add(node, "static-buffer", name, once_key=(fn.name, "static-buffer", name))

    def _refcount_one(self, fn: _Function, node) -> None:
        # Every comparison with 1 or 2 reads "am I alone?" (== 1, != 1, > 1, < 2, ...).
        if _text(node.child_by_field_name("operator")) not in ("==", "!=", "<", "<=", ">", ">="):
            return
        sides = [node.child_by_field_name("left"), node.child_by_field_name("right")]
        texts = [_text(s).replace(" ", "") for s in sides]
        calls = [s for s in sides if s is not None and s.type == "call_expression"
                 and _text(s.child_by_field_name("function")) in ("Py_REFCNT", "Py_SIZE_REFCNT")]
        if calls and any(t in ("1", "2") for t in texts):
            self.add(node, "refcount-one", "Py_REFCNT")

    # ------------------------------------------------------------ module opt-in

    def scan_module(self) -> None:
        text = self.source.decode("utf-8", "replace")
        for node in _walk(self.root):
            if node.type == "initializer_list":
                idents = [_text(c) for c in node.named_children]
                if idents[:1] == ["Py_mod_gil"] and "Py_MOD_GIL_NOT_USED" in idents:
                    self.add(node, "opts-in", "Py_mod_gil slot")
            elif node.type == "call_expression" and \
                    _text(node.child_by_field_name("function")) == "PyUnstable_Module_SetGIL" \
                    and "Py_MOD_GIL_NOT_USED" in _text(node):
                self.add(node, "opts-in", "PyUnstable_Module_SetGIL")
        if "Py_mod_gil" in text or "PyUnstable_Module_SetGIL" in text:
            return
        for decl in self.file_scope_declarations():
            if "PyModuleDef" in _text(decl.child_by_field_name("type")):
                names = re.findall(r'"([^"]+)"', _text(decl))
                for var in _declared(decl):
                    self.add(decl, "keeps-gil", names[0] if names else var.name)

    def run(self) -> List[Finding]:
        for node in _walk(self.root):
            if node.type == "function_definition":
                self.scan_function(node)
        self.scan_module()
        return sorted(self.findings, key=lambda f: (f.line, f.column))


def scan_source(source: bytes, path: str, parser=None) -> List[Finding]:
    parser = parser or _parser(is_cpp(path))
    source = with_statement_macros_closed(source)
    return _FileScan(path, source, parser.parse(source)).run()


def c_files(paths: List[Path]) -> List[Path]:
    found = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in C_SUFFIXES and p.is_file())
        else:
            found.append(path)
    return found


LOCAL_INCLUDE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"', re.M)


def _included(parsed: List[tuple], parsers) -> List[tuple]:
    """The files the scanned ones ``#include "..."`` (found beside the includer), and
    theirs, not scanned themselves: read for who calls whom and for the project's lock
    and thread-local macros. A unity build's module init sits in a file of its own
    (cffi's cffi1_module.c calls the type tables' init helper of realize_c_type.c)."""
    seen = {str(Path(path).resolve()) for path, _, _ in parsed}
    queue, found = list(parsed), []
    while queue:
        path, source, _ = queue.pop()
        for name in LOCAL_INCLUDE.findall(source):
            target = (Path(path).parent / name.decode("utf-8", "replace")).resolve()
            if str(target) in seen or target.suffix not in C_SUFFIXES or not target.is_file():
                continue
            seen.add(str(target))
            try:
                text = with_statement_macros_closed(target.read_bytes())
            except OSError:
                continue        # context only: the scanned files' findings stand without it
            entry = (str(target), text, parsers[is_cpp(str(target))].parse(text))
            found.append(entry)
            queue.append(entry)
    return found


def scan_paths(paths: List[Path]) -> Tuple[List[Finding], List[str]]:
    """Findings in every C file under ``paths``, and the files that could not be read.
    The files are read as one program, with the local files they include: a global
    one file defines is shared state in the others that use it (through an extern in a
    header), and a helper only another file's module init calls is init."""
    parsers = {False: _parser(False), True: _parser(True)}
    parsed, problems = [], []
    for path in c_files(paths):
        try:
            source = with_statement_macros_closed(path.read_bytes())
        except OSError as exc:
            problems.append(f"{path}: cannot read: {exc}")
            continue
        parsed.append((str(path), source, parsers[is_cpp(str(path))].parse(source)))
    context = parsed + _included(parsed, parsers)
    macros = set().union(*(thread_local_macros(source) for _, source, _ in context))
    locks = {k: v for _, source, _ in context for k, v in lock_macros(source).items()}
    builders = {k: v for _, source, _ in context for k, v in get_or_build_macros(source).items()}
    external: Dict[str, SharedVar] = {}
    types: Set[str] = set()
    graph = CallGraph()     # across files: a project #includes .c files, or splits one
    for path, source, tree in context:
        scan = _FileScan(path, source, tree, macros=macros, locks=locks,
                         get_or_build=builders, program=Program())
        external.update(scan.external_globals())
        types |= scan.own_global_types()
        graph.merge(scan.call_graph())
    program = graph.program()
    findings = []
    for path, source, tree in parsed:
        findings += _FileScan(path, source, tree, external, macros, types, locks,
                              builders, program).run()
    return findings, problems
