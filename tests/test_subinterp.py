"""The subinterp mode (per-interpreter GILs, PEP 684), on real interpreters: the
free-threaded build under test and the GIL builds 3.12 and 3.13 found on this machine;
skipped with the reason on the host and PyPy when they have none; and a stand-in whose
subinterpreters do not refuse undeclared modules."""

import json
import os

import pytest

from gilcompat.corpus.cases import corpus_root, load_cases
from gilcompat.pythons.discovery import discover

from conftest import interpreters_under_test, prelude_launcher, prepared_interpreter
from test_report import gilcompat, report, run_cases

SUBINTERP_CASES = [c.name for c in load_cases([corpus_root()])[0] if c.subinterp]
CATEGORY = {c.name: c.category for c in load_cases([corpus_root()])[0]}
RAN = ("holds", "broken", "crashed", "hung")


def own_gil_interpreters(config):
    """The interpreters under test that have own-GIL interpreters, plus one GIL build
    each of 3.12 and 3.13 from this machine (pyenv), prepared to build cases."""
    found = [i for i in interpreters_under_test(config) if i.subinterpreters]
    minors = {i.version_tuple for i in found if not i.free_threaded}
    for entry in discover():
        interp = entry.interpreter
        if interp.subinterpreters and not (interp.free_threaded or interp.tsan or interp.debug) \
                and interp.version_tuple not in minors and interp.version_tuple <= (3, 13):
            found.append(interp)
            minors.add(interp.version_tuple)
    if not found:
        if os.environ.get("CI"):
            pytest.fail("CI must run the subinterp tests on an interpreter with own GILs")
        pytest.skip("no interpreter with per-interpreter GILs here")
    return [prepared_interpreter(i) for i in found]


@pytest.fixture(scope="module")
def measured(request, tmp_path_factory):
    interps = own_gil_interpreters(request.config)
    others = [i for i in interpreters_under_test(request.config) if not i.subinterpreters]
    out = tmp_path_factory.mktemp("subinterp") / "results.json"
    run_cases(out, [i.executable for i in interps + others], "--mode", "subinterp",
              "--face", "all", cases=SUBINTERP_CASES)
    return out, json.loads(out.read_text()), interps, others


def _cells(data, interp_id):
    return [c for c in data["cells"] if c["interpreter"] == interp_id]


def test_undeclared_modules_are_refused_by_own_gil_interpreters(measured):
    _out, data, interps, _others = measured
    for interp in interps:
        ran = [c for c in _cells(data, interp.id) if c["outcome"] != "skipped"]
        assert ran, interp.id
        for cell in ran:
            assert cell["subinterp_rule"] == "honored", cell
            assert cell["refusal"]["refused"] and "subinterpreters" in cell["refusal"]["error"]


def test_declared_gil_reliant_cases_break_and_their_fixes_hold(measured):
    _out, data, interps, _others = measured
    for interp in interps:
        cells = _cells(data, interp.id)
        assert all(c["verdict"] in ("ok", "skipped") for c in cells), \
            [(c["case"], c["face"], c["verdict"], c["evidence"][:300]) for c in cells
             if c["verdict"] not in ("ok", "skipped")]
        twins = [c for c in cells if c["outcome"] in RAN and c["exclusion"]]
        assert twins and all(c["gil_enabled"] is False for c in twins), interp.id
        for cell in twins:
            category = CATEGORY[cell["case"]]
            if category in ("gil-reliant", "never-guaranteed"):
                # lazy_init's cross-interpreter objects have also hung the interpreters'
                # destruction (free-threaded 3.13.15): the break showing, as a crash is.
                assert cell["outcome"] in ("broken", "crashed", "hung"), cell
            else:
                assert cell["outcome"] == "holds", cell
        per_module = {c["case"] for c in twins if c["outcome"] == "holds"}
        assert "module_state_counter" in per_module, interp.id
        if interp.version_tuple >= (3, 13):
            assert "module_state_once" in per_module, interp.id


def test_routes_that_cannot_declare_support_stop_at_the_refusal(measured):
    _out, data, interps, _others = measured
    for interp in interps:
        for cell in _cells(data, interp.id):
            if cell["face"] in ("cffi", "capi-single", "capi-single-optin") and \
                    cell["outcome"] != "skipped":
                assert cell["outcome"] == "holds" and cell["exclusion"] is None, cell
                assert "the refusal is the whole test" in cell["expected_why"]


def test_the_mode_is_skipped_with_the_reason_where_there_is_none(measured):
    _out, data, _interps, others = measured
    if not others:
        pytest.skip("every interpreter under test has own-GIL interpreters")
    for interp in others:
        cells = _cells(data, interp.id)
        assert cells and all(c["outcome"] == "skipped" and
                             c["evidence"].startswith("mode subinterp needs") for c in cells)


def test_the_report_says_whether_undeclared_modules_were_refused(measured, tmp_path):
    out, _data, interps, others = measured
    heads = {i["id"]: i for i in json.loads(report(tmp_path, out)["json"].read_text())
             ["interpreters"]}
    assert all(heads[i.id]["subinterp_rule"] == "honored" for i in interps)
    assert all(heads[i.id]["subinterp_rule"] == "skipped" for i in others)


# A real interpreter whose "isolated" subinterpreters are legacy ones behind a launcher:
# they share the main GIL and check nothing, so undeclared modules load.
NO_REFUSAL = (
    "try:\n    import _interpreters as _gc_low\n"
    "except ImportError:\n    _gc_low = None\n"
    "if _gc_low is not None:\n"
    "    _gc_create = _gc_low.create\n"
    "    _gc_low.create = lambda *a, **k: _gc_create('legacy')\n")


def test_an_interpreter_that_loads_undeclared_modules_violates_the_rule(request, tmp_path):
    interps = [i for i in own_gil_interpreters(request.config)
               if i.subinterpreters == "_interpreters"]
    if not interps:
        pytest.skip("no 3.13+ interpreter with _interpreters here")
    launcher = prelude_launcher(tmp_path / "python3-no-refusal", interps[0].python,
                                NO_REFUSAL)
    out = tmp_path / "results.json"
    run_cases(out, [str(launcher)], "--mode", "subinterp", cases=["global_counter"])
    data = json.loads(out.read_text())
    # The multi-phase modules load there. (cffi's single-phase module was still refused
    # by the free-threaded 3.13.15 in a legacy subinterpreter: measured, not asserted.)
    ran = [c for c in data["cells"] if c["face"] in ("capi", "capi-optin")]
    assert len(ran) == 2 and all(c["subinterp_rule"] == "violated" and
                                 c["verdict"] == "violation" for c in ran), \
        [(c["face"], c["verdict"], c["evidence"][:200]) for c in ran]
    assert all(c["evidence"].startswith("per-interpreter GIL rule violated") for c in ran)
    (head,) = json.loads(report(tmp_path, out)["json"].read_text())["interpreters"]
    assert head["subinterp_rule"] == "violated"
