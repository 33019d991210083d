"""What a cell is expected to do, and the verdict on what it did.

The expectation follows the GIL state measured inside the run, so no table per
interpreter is needed: the category gives the default, a case's ``[[expect]]`` entries
override it (first match wins).

The opt-in rule, on every interpreter: in ``default`` mode a face whose module declares
nothing must run with the GIL on, as the exclusion probe measures it: every undeclared
C-API route (``capi``, ``capi-single``, ``capi-export``, and ``capi-used``, which says
so explicitly), and the ``cffi`` face when the installed cffi does not declare
``Py_MOD_GIL_NOT_USED`` (cffi < 2, PyPy's cffi). Finding it off is a conformance
failure of the interpreter, a ``violation`` whatever the case's outcome.

Its other half, on a build measured running C code in parallel: a face whose module
declares ``Py_MOD_GIL_NOT_USED`` must not get the GIL turned on by its import. An
interpreter that ignores the declaration on some route has a bug on that route.

``inconclusive``: the run never showed that threads could overlap (the probe's control
saw none), so a ``holds`` (or a GIL state) proves nothing. It never passes a check.
"""

from dataclasses import dataclass
from typing import Optional

from gilcompat.corpus.cases import Case
from gilcompat.corpus.faces import declares_not_used, declares_nothing

OK, VIOLATION, UNDETECTED = "ok", "violation", "undetected"
UNEXPECTED_CRASH, UNEXPECTED_HANG = "unexpected-crash", "unexpected-hang"
SKIPPED, ERROR, INCONCLUSIVE = "skipped", "error", "inconclusive"
PASSING_VERDICTS = (OK, SKIPPED)

# Which outcomes show an expected outcome.
_ACCEPTS = {
    "holds": ("holds",),
    # A race on unprotected state shows as a wrong value, a crash, or a hang (a
    # corrupted structure looped over forever, seen under TSan): all the break showing.
    "broken": ("broken", "crashed", "hung"),
    "crashed": ("crashed",),
    "hung": ("hung",),
}


@dataclass(frozen=True)
class Expected:
    outcome: str
    why: str
    intermittent: bool = False      # a `holds` passes too: the bug shows only sometimes


def category_default(category: str, gil: bool) -> Expected:
    if category == "gil-reliant":
        if gil:
            return Expected("holds", "the GIL serialises the C code")
        return Expected("broken", "with the GIL off nothing serialises the C code")
    if category == "never-guaranteed":
        return Expected("broken", "the GIL never covered this hazard")
    if category == "interpreter-guarantee":
        return Expected("holds", "every interpreter build must keep this")
    return Expected("holds", "the opted-in pattern is safe in every build and mode")


def expected_for(case: Case, face: str, mode: str, gil: bool, implementation: str,
                 version: str = "", free_threaded: Optional[bool] = None) -> Expected:
    for override in case.expectations:
        if override.matches(face, mode, gil, implementation, version, free_threaded):
            return Expected(override.outcome, override.why, override.intermittent)
    return category_default(case.category, gil)


def cffi_declares_not_used(implementation: str, cffi_version: Optional[str]) -> bool:
    """cffi 2 marks the modules it builds ``Py_MOD_GIL_NOT_USED``; cffi 1 and PyPy's
    cffi declare nothing."""
    if implementation != "cpython" or not cffi_version:
        return False
    major = cffi_version.split(".")[0]
    return major.isdigit() and int(major) >= 2


def opt_in_rule_applies(face: str, mode: str, cffi_declares: bool) -> bool:
    """Does the opt-in rule hold this cell to "the GIL must be on"?"""
    return mode == "default" and declares_nothing(face, cffi_declares)


def declaration_applies(face: str, mode: str, cffi_declares: bool) -> bool:
    """Is this cell's module one that declared ``Py_MOD_GIL_NOT_USED`` (in default mode,
    where the declaration decides)?"""
    return mode == "default" and declares_not_used(face, cffi_declares)


def verdict(expected: Optional[str], outcome: str, intermittent: bool = False) -> str:
    if outcome == "skipped":
        return SKIPPED
    if outcome == "error":
        return ERROR
    if expected is not None and outcome in _ACCEPTS[expected]:
        return OK
    if intermittent and outcome == "holds":
        return OK
    if outcome == "crashed":
        return UNEXPECTED_CRASH
    if outcome == "hung":
        return UNEXPECTED_HANG
    if expected == "holds":
        return VIOLATION
    return UNDETECTED
