"""The exclusion probe's second look: a "GIL on" finding the interpreter disputes.

Run on a real free-threaded build with the GIL off. The held region is serialised by a
Python lock (a real exclusion, not the GIL's) for the probe calls the test chooses, so
the probe finds "on" while ``sys._is_gil_enabled()`` says off.
"""

import json
import subprocess
from pathlib import Path

import pytest

import gilcompat
from gilcompat.build.cached_build import ensure_built
from gilcompat.run.cell_run import face_names, mode_env
from test_report import free_threaded

CHILD = """
import json, sys, threading
from gilcompat.child import gil_state
from gilcompat.child.faces import load_face
shared_object, names, locked_calls = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
ext, _ = load_face(shared_object, "capi-optin", names, [])
lock = threading.Lock()
def serialised(entries, spin):
    with lock:
        return ext.probe_held(entries, spin)
real, calls = gil_state.measure, [0]
def measure(held, free):        # the first `locked_calls` probes meet the lock
    calls[0] += 1
    return real(serialised if calls[0] <= locked_calls else held, free)
gil_state.measure = measure
print(json.dumps(gil_state.measure_again_if_disputed(ext.probe_held, ext.probe_free)))
"""


@pytest.fixture(scope="module")
def probe_child(request, fixture_cases):
    ft = free_threaded(request.config)
    build = ensure_built(fixture_cases["never_breaks"], ft)
    names = face_names(build.module)["capi-optin"]
    package_parent = str(Path(gilcompat.__file__).resolve().parent.parent)

    def run(locked_calls: int) -> dict:
        env = mode_env("gil0", {"PYTHONPATH": package_parent})
        out = subprocess.run([ft.python, "-c", CHILD, str(build.shared_object),
                              json.dumps(names), str(locked_calls)],
                             env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)
    return run


def test_an_undisputed_finding_is_measured_once(probe_child):
    found = probe_child(0)
    assert found["gil"] is False and found["overlaps"] > 0 and "disputed" not in found


def test_an_overlap_in_the_second_probe_overturns_the_first(probe_child):
    found = probe_child(1)
    assert found["disputed"]["gil"] is True and found["disputed"]["overlaps"] == 0
    assert found["gil"] is False and found["again"] is False and found["overlaps"] > 0


def test_a_second_probe_without_overlaps_keeps_the_first(probe_child):
    found = probe_child(2)
    assert found["gil"] is True and found["again"] is True
    assert found["overlaps"] == 0 and found["disputed"]["overlaps"] == 0
