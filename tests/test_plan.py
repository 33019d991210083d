"""Running a plan: a cell that missed its break while a case build compiled beside it
is run again after the builds, and says so (real builds, real cells on free-threaded
3.13)."""

import io

from gilcompat.corpus.cases import corpus_root, load_cases
from gilcompat.results import Results
from gilcompat.run.plan import plan, run_matrix
from gilcompat.run.progress import Progress
from test_report import free_threaded


def _run(cases, ft):
    cells = plan(cases, [ft], ["capi-optin"], ["gil0"])
    return run_matrix(cells, Results(), None, Progress(len(cells), io.StringIO())).cells


def test_a_miss_beside_a_compile_is_run_again_and_a_quiet_one_is_not(
        request, fixture_cases, tmp_path, monkeypatch):
    ft = free_threaded(request.config)
    monkeypatch.setenv("GILCOMPAT_CACHE", str(tmp_path / "cache"))     # cold builds
    counter = next(c for c in load_cases([corpus_root()])[0] if c.name == "global_counter")
    # never_breaks builds first, so its cell runs while global_counter compiles.
    cold = {c.case: c for c in _run([fixture_cases["never_breaks"], counter], ft)}
    assert len(cold) == 2
    assert cold["never_breaks"].verdict == "undetected"
    assert "undetected" in cold["never_breaks"].rerun, cold["never_breaks"].rerun
    assert "compiled beside it" in cold["never_breaks"].rerun
    assert cold["never_breaks"].evidence.startswith(cold["never_breaks"].rerun)
    assert cold["global_counter"].verdict == "ok" and cold["global_counter"].rerun is None

    warm = _run([fixture_cases["never_breaks"]], ft)     # built: nothing compiles now
    assert [c.verdict for c in warm] == ["undetected"] and warm[0].rerun is None
