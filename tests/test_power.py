"""Detection power: the budget a measured rate gives, and real cells running it."""

import dataclasses

import pytest

from gilcompat.build.cached_build import ensure_built
from gilcompat.corpus import power
from gilcompat.corpus.power import MAX_ROUNDS, MISS_BOUND, Power
from gilcompat.run.cell_run import run_cell, stress_work


@pytest.mark.parametrize("broken", [200, 150, 100, 40])
def test_the_budget_misses_a_real_break_less_than_the_bound(broken):
    p = Power("c", "cpython-3.13t", 200, broken)
    assert 0 < p.rate_low < p.rate <= 1
    assert p.miss(p.budget) < MISS_BOUND or p.weak
    if not p.weak:      # the fewest such rounds
        assert p.budget == 1 or p.miss(p.budget - 1) >= MISS_BOUND


def test_a_case_that_rarely_breaks_is_weak_and_capped():
    rare = Power("c", "cpython-3.13t", 200, 10)
    assert rare.weak and rare.budget == MAX_ROUNDS and rare.miss(MAX_ROUNDS) > MISS_BOUND
    assert Power("c", "cpython-3.13t", 200, 0).needed is None


def test_the_table_round_trips_through_its_file(tmp_path):
    table = {("a", "cpython-3.13t"): Power("a", "cpython-3.13t", 200, 199, "cpython-3.13.15t",
                                          "2026-12-02", 12500),
             ("b", "cpython-3.13t"): Power("b", "cpython-3.13t", 200, 199)}
    path = tmp_path / "power.toml"
    path.write_text(power.dump(table))
    assert power.load(path) == table


def test_a_twin_runs_the_work_its_partners_break_needs():
    measured = {("hazard", "cpython-3.13t"): Power("hazard", "cpython-3.13t", 200, 100),
                ("other", "cpython-3.13t"): Power("other", "cpython-3.13t", 200, 200)}
    found = power.power_for(("twin", "hazard"), "cpython", "cpython-3.13t", measured)
    assert found.case == "hazard"
    # A GIL build of the same implementation takes its free-threaded sibling's.
    assert power.power_for(("hazard",), "cpython", "cpython-3.11", measured).case == "hazard"
    assert power.power_for(("hazard",), "pypy", "pypy-3.9", measured) is None


def test_a_twin_of_two_partners_runs_the_most_rounds_and_iterations(fixture_cases, host,
                                                                   monkeypatch):
    """Each partner's bound holds only at its own level of work or more."""
    case = fixture_cases["never_breaks"]
    family = power.family_of(host.implementation, host.version_tuple, host.free_threaded,
                             host.tsan)
    twin = dataclasses.replace(case, name="twin", fixes=("a", "b"))
    measured = {("a", family): Power("a", family, 200, 150, iterations=500),
                ("b", family): Power("b", family, 200, 200, iterations=1000)}
    monkeypatch.setattr(power, "_TABLE", measured)
    rounds, iterations, found = stress_work(twin, host)
    assert found.case == "a" and rounds == measured[("a", family)].budget > 2
    assert iterations == 1000
    # Threads in interpreters of their own run case.toml's: the level was not measured so.
    assert stress_work(twin, host, "subinterp")[:2] == (rounds, case.stress.iterations)
    # A row without iterations was measured at case.toml's.
    assert Power("c", family, 200, 200).work(case.stress.iterations) == case.stress.iterations


def test_a_cell_runs_its_budget_and_records_it(fixture_cases, host, monkeypatch):
    """A real cell of a case with a measured power runs that many rounds."""
    case = fixture_cases["crash_at_exit"]       # one round normally; holds until its exit
    monkeypatch.setenv("GILCOMPAT_TEST_EXIT", "code")
    family = power.family_of(host.implementation, host.version_tuple, host.free_threaded,
                             host.tsan)
    monkeypatch.setattr(power, "_TABLE", {
        (case.name, family): Power(case.name, family, 200, 120, iterations=3)})
    rounds, iterations, found = stress_work(case, host)
    assert found is not None and rounds == found.budget > case.stress.rounds
    assert iterations == 3
    cell = run_cell(case, ensure_built(case, host), host, "capi", "default")
    assert cell.rounds == rounds and cell.power["budget"] == rounds
    assert cell.power["miss"] < MISS_BOUND and cell.power["iterations"] == 3
    # The report's detection-power table says what set the rounds.
    from gilcompat.report.markdown import power_lines
    from gilcompat.report.model import Merged
    text = "\n".join(power_lines(Merged([], [cell])))
    assert f"| {case.name} | {case.name} on {family} | 120/200 rounds" in text
    assert f"| {rounds} | 3 |" in text
