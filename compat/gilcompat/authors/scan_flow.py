"""Objects under construction: which functions' parameters only ever receive an object
their callers are still building (just allocated, not yet returned or stored).

A compiler's helpers fill the new object field by field (regex's create_node(pattern,
...) growing pattern->node_list while re_compile builds the Pattern); no other thread
can see that object yet, so those writes are not shared state. The object may reach a
helper directly, or through a per-call struct that carries it (``args.pattern =
pattern; build_sequence(&args)``, then ``create_node(args->pattern, ...)``).

The scanner hands over plain facts per function (FunctionFacts); this module finds the
parameters every call site feeds such an object: the greatest fixpoint over the calls,
so helpers that call each other recursively (build_sequence and build_atomic) agree.
"""

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

CAST = re.compile(r"^\(\s*(?:const\s+|struct\s+)?\w+[\s\*]*\)\s*")
PLAIN = re.compile(r"^(\w+)$")
ADDRESS = re.compile(r"^&\s*(\w+)$")
FIELD = re.compile(r"^(\w+)\s*(->|\.)\s*(\w+)$")


@dataclass
class FunctionFacts:
    params: List[str]
    made_here: Set[str]                          # locals given a new allocation
    calls: List[Tuple[str, List[str]]]           # callee, argument texts
    field_sets: List[Tuple[str, str, str]] = field(default_factory=list)  # L.f = value
    copies: List[Tuple[str, str]] = field(default_factory=list)           # L = *P


@dataclass
class _Param:
    fresh: bool = True                # receives an object under construction
    fields: Optional[Set[str]] = None  # fields carrying one (None: not known yet)


def _strip(text: str) -> str:
    text = text.strip()
    while True:
        if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
            text = text[1:-1].strip()
        elif CAST.match(text):
            text = CAST.sub("", text, count=1)
        else:
            return text


def _meet(a: Optional[Set[str]], b: Optional[Set[str]]) -> Optional[Set[str]]:
    return b if a is None else a if b is None else a & b


class _Flow:
    def __init__(self, facts: Dict[str, FunctionFacts], referenced: Set[str]):
        self.facts = facts
        called = {callee for f in facts.values() for callee, _ in f.calls}
        # Only functions the program calls, and only calls, can feed them; an entry
        # point Python calls, or one whose address is taken (a method table, a
        # callback), gets objects from outside.
        inner = called - referenced
        self.state = {(name, p): (_Param() if name in inner else _Param(False, set()))
                      for name, f in facts.items() for p in f.params}

    def _local_fields(self, fn: str, local: str) -> Optional[Set[str]]:
        """The fields of local struct ``local`` that carry an object under
        construction: copied from a struct that carries one (``sub = *args``), or set
        to one (``args.pattern = pattern``) and never to anything else."""
        facts = self.facts[fn]
        copied = [self._value(fn, source)[1] for target, source in facts.copies
                  if target == local]
        fields: Optional[Set[str]] = set()
        if copied:
            fields = copied[0]
            for more in copied[1:]:
                fields = _meet(fields, more)
        if fields is None:
            return None
        fields, stale = set(fields), set()
        for target, name, value in facts.field_sets:
            if target == local:
                (fields if self._value(fn, value)[0] else stale).add(name)
        return fields - stale

    def _value(self, fn: str, text: str) -> Tuple[bool, Optional[Set[str]]]:
        """(is it an object under construction, the fields of a struct carrying one)"""
        text = _strip(text)
        if text.startswith("*"):
            text = _strip(text[1:])
        facts = self.facts[fn]
        m = PLAIN.match(text)
        if m:
            name = m.group(1)
            if name in facts.made_here:
                return True, set()
            if name in facts.params:
                p = self.state[(fn, name)]
                return p.fresh, p.fields
            return False, set()
        m = ADDRESS.match(text)
        if m:
            return False, self._local_fields(fn, m.group(1))
        m = FIELD.match(text)
        if m:
            base, arrow, name = m.groups()
            if arrow == "->" and base in facts.params:
                carried = self.state[(fn, base)].fields
            elif arrow == "." and base not in facts.params:
                carried = self._local_fields(fn, base)
            else:
                carried = set()
            return carried is None or name in carried, set()
        return False, set()

    def solve(self) -> Dict[str, Set[str]]:
        changed = True
        while changed:
            changed = False
            seen: Dict[Tuple[str, str], _Param] = {}
            for caller, facts in self.facts.items():
                for callee, args in facts.calls:
                    target = self.facts.get(callee)
                    if target is None:
                        continue
                    for param, text in zip(target.params, args):
                        fresh, fields = self._value(caller, text)
                        now = seen.setdefault((callee, param), _Param())
                        now.fresh &= fresh
                        now.fields = _meet(now.fields, fields)
            for key, old in self.state.items():
                if key not in seen and old.fresh:
                    seen[key] = _Param(False, set())     # no call gives it an argument
            for key, new in seen.items():
                old = self.state[key]
                fresh = old.fresh and new.fresh
                fields = _meet(old.fields, new.fields)
                if (fresh, fields) != (old.fresh, old.fields):
                    self.state[key] = _Param(fresh, fields)
                    changed = True
        return {name: {p for p in f.params if self.state[(name, p)].fresh}
                for name, f in self.facts.items()}


def under_construction(facts: Dict[str, FunctionFacts],
                       referenced: Set[str] = frozenset()) -> Dict[str, Set[str]]:
    """Per function, the parameters that only ever get an object still being built
    (``referenced``: functions whose address is taken, never fed by calls alone)."""
    return _Flow(facts, set(referenced)).solve()
