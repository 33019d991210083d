"""Every cell a default run plans (every corpus case on the default faces, the opt-in
conformance set on every init route), on every interpreter under test: the verdict is ok.

Cells run as the harness runs them (one child process each, real threads, real builds);
a skipped cell must say why.
"""

import pytest

from gilcompat.build.cached_build import ensure_built
from gilcompat.corpus.cases import check_twins, corpus_root, load_cases
from gilcompat.run.plan import run_plan
from gilcompat.run.cell_run import run_cell, skip_reason

from conftest import interpreters_under_test, prepared_interpreter

CORPUS, CORPUS_ERRORS = load_cases([corpus_root()])
_BUILDS = {}


def pytest_generate_tests(metafunc):
    if "planned" in metafunc.fixturenames:
        cells = run_plan(CORPUS, interpreters_under_test(metafunc.config))
        metafunc.parametrize("planned", cells, ids=[
            f"{c.interp.id}-{c.case.name}-{c.face}-{c.mode}" for c in cells])


def test_corpus_loads_cleanly():
    assert CORPUS_ERRORS == [] and check_twins(CORPUS) == []
    assert len(CORPUS) >= 9


def test_cell_verdict_is_ok(planned):
    interp = prepared_interpreter(planned.interp)
    case = planned.case
    build = None
    if not skip_reason(case, interp, planned.face, planned.mode):
        key = (case.name, interp.id)
        if key not in _BUILDS:
            _BUILDS[key] = ensure_built(case, interp)
        build = _BUILDS[key]
    cell = run_cell(case, build, interp, planned.face, planned.mode)
    if cell.outcome == "skipped":
        assert cell.evidence, "a skipped cell must say why"
        pytest.skip(cell.evidence)
    assert cell.verdict == "ok", (
        f"{cell.outcome} with GIL {'on' if cell.gil_enabled else 'off'} "
        f"(expected {cell.expected}: {cell.expected_why})\n{cell.evidence}")


def test_ci_runs_a_free_threaded_interpreter(request):
    """In CI (CI=true) a run without a single free-threaded cell is a failed run."""
    import os
    if os.environ.get("CI", "").lower() not in ("1", "true", "yes"):
        pytest.skip("only enforced in CI (CI=true)")
    interps = interpreters_under_test(request.config)
    assert any(i.free_threaded for i in interps), \
        f"no free-threaded interpreter under test: {[i.id for i in interps]}"
