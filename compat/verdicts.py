"""What a cell is expected to do, and the verdict on what it did.

The expectation follows the GIL state measured inside the run, so no table per
interpreter is needed: the category gives the default, a case's ``[[expect]]`` entries
override it (first match wins).

The opt-in rule: on a free-threaded build in ``default`` mode, the ``capi`` face (no
``Py_mod_gil`` slot) must run with the GIL on. Finding it off is a conformance failure
of the interpreter, reported as a ``violation`` whatever the case's outcome.
"""

from dataclasses import dataclass
from typing import Optional

from compat.cases import Case

OK, VIOLATION, UNDETECTED = "ok", "violation", "undetected"
UNEXPECTED_CRASH, UNEXPECTED_HANG = "unexpected-crash", "unexpected-hang"
SKIPPED, ERROR = "skipped", "error"
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


def expected_for(case: Case, face: str, mode: str, gil: bool, implementation: str) -> Expected:
    for override in case.expectations:
        if override.matches(face, mode, gil, implementation):
            return Expected(override.outcome, override.why)
    return category_default(case.category, gil)


def opt_in_rule_applies(free_threaded: bool, face: str, mode: str) -> bool:
    return free_threaded and face == "capi" and mode == "default"


def verdict(expected: Optional[str], outcome: str) -> str:
    if outcome == "skipped":
        return SKIPPED
    if outcome == "error":
        return ERROR
    if expected is not None and outcome in _ACCEPTS[expected]:
        return OK
    if outcome == "crashed":
        return UNEXPECTED_CRASH
    if outcome == "hung":
        return UNEXPECTED_HANG
    if expected == "holds":
        return VIOLATION
    return UNDETECTED
