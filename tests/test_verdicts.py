"""Expectations from category, overrides and measured GIL state; verdicts; opt-in rule."""

from pathlib import Path

import pytest

from gilcompat.corpus.cases import Case, Expectation
from gilcompat.run.expectations import (cffi_declares_not_used, expected_for,
                                        opt_in_rule_applies, verdict)


def case(category, *expectations):
    return Case(name="c", folder=Path("."), category=category, guarantee="g", breaks="b",
                fix="f", functions=(), sources=(), expectations=tuple(expectations))


@pytest.mark.parametrize("category,gil,outcome", [
    ("gil-reliant", True, "holds"),
    ("gil-reliant", False, "broken"),
    ("interpreter-guarantee", False, "holds"),
    ("interpreter-guarantee", True, "holds"),
    ("never-guaranteed", True, "broken"),
    ("never-guaranteed", False, "broken"),
    ("opted-in", False, "holds"),
])
def test_category_defaults_follow_measured_gil(category, gil, outcome):
    assert expected_for(case(category), "cffi", "default", gil, "cpython").outcome == outcome


def test_first_matching_override_wins():
    c = case("never-guaranteed",
             Expectation("holds", "GIL held in capi", face="capi", gil=True),
             Expectation("hung", "always hangs"))
    assert expected_for(c, "capi", "default", True, "cpython").outcome == "holds"
    assert expected_for(c, "capi", "gil0", False, "cpython").outcome == "hung"
    assert expected_for(c, "cffi", "default", True, "cpython").outcome == "hung"


@pytest.mark.parametrize("expected,outcome,result", [
    ("holds", "holds", "ok"),
    ("holds", "broken", "violation"),
    ("holds", "crashed", "unexpected-crash"),
    ("holds", "hung", "unexpected-hang"),
    ("broken", "broken", "ok"),
    ("broken", "crashed", "ok"),
    ("broken", "holds", "undetected"),
    ("broken", "hung", "ok"),
    ("crashed", "hung", "unexpected-hang"),
    ("hung", "hung", "ok"),
    ("hung", "holds", "undetected"),
    ("crashed", "crashed", "ok"),
    ("crashed", "holds", "undetected"),
    ("holds", "skipped", "skipped"),
    ("holds", "error", "error"),
    (None, "crashed", "unexpected-crash"),
])
def test_verdict_table(expected, outcome, result):
    assert verdict(expected, outcome) == result


def test_opt_in_rule_only_for_plain_capi_in_default_on_free_threaded():
    # Every interpreter: the rule follows what the face's module declares.
    assert opt_in_rule_applies("capi", "default", cffi_declares=True)
    assert not opt_in_rule_applies("capi-optin", "default", cffi_declares=False)
    assert not opt_in_rule_applies("capi", "gil0", cffi_declares=False)
    assert not opt_in_rule_applies("cffi", "default", cffi_declares=True)
    assert opt_in_rule_applies("cffi", "default", cffi_declares=False)
    assert cffi_declares_not_used("cpython", "2.0.0")
    assert not cffi_declares_not_used("cpython", "1.17.1")
    assert not cffi_declares_not_used("pypy", "2.1.0")


def test_an_intermittent_bug_passes_whether_or_not_a_cell_shows_it():
    c = case("opted-in", Expectation("broken", "a known bug, shown sometimes",
                                     implementation="pypy", intermittent=True))
    expected = expected_for(c, "capi", "default", True, "pypy")
    assert (expected.outcome, expected.intermittent) == ("broken", True)
    assert verdict(expected.outcome, "holds", expected.intermittent) == "ok"
    assert verdict(expected.outcome, "broken", expected.intermittent) == "ok"
    assert verdict(expected.outcome, "hung", expected.intermittent) == "ok"
    assert not expected_for(c, "capi", "default", True, "cpython").intermittent
