"""Fork servers: a cell's child forked from one is what a freshly started child is
(real interpreters, real forks, real cells)."""

import os
import threading
import time

from gilcompat.build.cached_build import ensure_built
from gilcompat.corpus.cases import corpus_root, load_cases
from gilcompat.run import zygote
from gilcompat.run.cell_run import run_cell
from test_report import free_threaded


def _corpus_case(name):
    return next(c for c in load_cases([corpus_root()])[0] if c.name == name)


def _recording_forks(monkeypatch):
    forks = []
    original = zygote.Server.fork

    def fork(self, *args):
        child = original(self, *args)
        forks.append((self, child.pid))
        return child
    monkeypatch.setattr(zygote.Server, "fork", fork)
    return forks


def test_a_fork_carries_no_face_over_to_the_next_cell(request, monkeypatch):
    """On free-threaded 3.13 the cffi face's import turns the GIL on (cffi<2 declares
    nothing); the next cell, forked by the same server, finds it off after its own
    (opted-in) import: the server was not changed by the first fork. The first fork
    measured the GIL off before its import; the second takes that measurement (both
    are copies of the same server) and says whose it is."""
    ft = free_threaded(request.config)
    case = _corpus_case("global_counter")
    build = ensure_built(case, ft)
    zygote.POOL.close()
    forks = _recording_forks(monkeypatch)
    first = run_cell(case, build, ft, "capi", "default")
    assert forks == [] and first.outcome == "holds"   # an environment's first cell: fresh
    turned_on = run_cell(case, build, ft, "cffi", "default")
    opted_in = run_cell(case, build, ft, "capi-optin", "default")
    assert len(forks) == 2 and forks[0][0] is forks[1][0]     # one server forked both
    assert turned_on.gil_before is False and turned_on.gil_enabled is True
    assert turned_on.gil_enabled_by is not None
    assert opted_in.gil_before is False and opted_in.gil_enabled is False
    assert opted_in.exclusion["overlaps"] > 0
    assert opted_in.outcome == "broken"     # a gil-reliant case that declares it is not
    assert "measured_in" not in turned_on.exclusion_before
    assert opted_in.exclusion_before["measured_in"] == (
        f"process {forks[0][1]}, an earlier fork of the same fork server")
    zygote.POOL.close()


def test_a_server_that_dies_during_a_cell_makes_it_an_error(fixture_cases, host, monkeypatch):
    """The fork's exit can no longer be known: the cell is an error saying so (never a
    crash by some signal), and the fork is killed, not left running."""
    case = fixture_cases["spin_forever"]
    build = ensure_built(case, host)
    zygote.POOL.close()
    quick = fixture_cases["never_breaks"]        # the environment's first cell: fresh
    run_cell(quick, ensure_built(quick, host), host, "cffi", "default")
    forks = _recording_forks(monkeypatch)

    def kill_the_server():
        while not forks:
            time.sleep(0.01)
        time.sleep(0.3)
        forks[0][0].proc.kill()
    killer = threading.Thread(target=kill_the_server)
    killer.start()
    cell = run_cell(case, build, host, "cffi", "default")
    killer.join()
    assert cell.outcome == "error" and cell.signal is None
    assert cell.evidence.startswith("the fork server ended during the cell")
    assert zygote.FRESH_START_ENV in cell.evidence
    pid = forks[0][1]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and os.path.exists(f"/proc/{pid}"):
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{pid}")
    zygote.POOL.close()
