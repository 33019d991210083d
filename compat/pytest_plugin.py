"""pytest plugin for extension authors (entry point ``gilcompat``); kept thin.

- fixture ``gil_stress``: ``gil_stress(fn, threads=8, iterations=100)`` runs
  ``fn(thread_index, iteration)`` from ``threads`` threads released together by a
  barrier, ``iterations`` times each; returns one ``ThreadCalls`` per thread with what
  each call returned and raised.
- marker ``@pytest.mark.gil_stays_off`` (or ``--gil-stays-off`` for every test): fail a
  test during which the GIL got turned on, naming the module that did it.
"""

import pytest

from compat.gil_watch import GilWatch
from compat.threading_helpers import run_calls_together


def pytest_addoption(parser):
    parser.addoption("--gil-stays-off", action="store_true",
                     help="gilcompat: fail any test during which the GIL got turned on")


def pytest_configure(config):
    config.addinivalue_line("markers", "gil_stays_off: fail if the GIL gets turned on "
                                       "during this test (free-threaded builds)")


@pytest.fixture
def gil_stress():
    return run_calls_together


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    watched = item.config.getoption("gil_stays_off") or \
        item.get_closest_marker("gil_stays_off") is not None
    if not watched:
        yield
        return
    with GilWatch() as watch:
        outcome = yield
    if watch.turned_on and outcome.excinfo is None:
        culprit = watch.culprit or "a module that did not say"
        pytest.fail(f"the GIL was turned on during this test by {culprit} "
                    "(it does not declare Py_MOD_GIL_NOT_USED)", pytrace=False)
