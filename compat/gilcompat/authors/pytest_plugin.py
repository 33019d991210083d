"""pytest plugin for extension authors (entry point ``gilcompat``); kept thin.

- fixture ``gil_stress``: ``gil_stress(fn, threads=8, iterations=100)`` runs
  ``fn(thread_index, iteration)`` from ``threads`` threads released together by a
  barrier, ``iterations`` times each; returns one ``ThreadCalls`` per thread with what
  each call returned and raised.
- marker ``@pytest.mark.gil_stays_off`` (or ``--gil-stays-off`` for every test): fail a
  test if the GIL got turned on during its setup, call or teardown, while its module
  was collected, or while pytest was configured, naming the module and the phase.

The interpreter's "GIL has been enabled to load module" warning names the module; at
configuration pytest records it (``pytest_warning_recorded``); around each collector
and each test phase the plugin watches itself.
"""

import pytest

from gilcompat.authors.gil_watch import GilWatch
from gilcompat.child import module_named_in, run_calls_together

_TURNED_ON = pytest.StashKey()   # [(when, nodeid, module)] seen at configure/collect
_CONFIG = {}                     # pytest_warning_recorded is not handed the config


def pytest_addoption(parser):
    group = parser.getgroup("gilcompat", "gilcompat: GIL guarantees of C extensions")
    group.addoption("--gil-stays-off", action="store_true",
                    help="fail any test for which the GIL got turned on (free-threaded builds)")


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_load_initial_conftests(early_config):
    # Outside pytest's own warning capture for this phase, so that the warnings it
    # records here (conftest imports: "config" time) find the list already there.
    early_config.stash[_TURNED_ON] = []
    _CONFIG["config"] = early_config
    yield


def pytest_configure(config):
    config.stash.setdefault(_TURNED_ON, [])
    _CONFIG["config"] = config
    config.addinivalue_line("markers", "gil_stays_off: fail if the GIL gets turned on "
                                       "for this test (free-threaded builds)")


def pytest_warning_recorded(warning_message, when, nodeid, location):
    module = module_named_in(str(warning_message.message))
    if module and when == "config":
        config = _CONFIG.get("config")
        if config is not None:
            config.stash[_TURNED_ON].append((when, nodeid, module))


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    # Watched here rather than through pytest's warning record, which names no file
    # for an import-time warning.
    with GilWatch() as watch:
        report = yield
    if watch.turned_on:
        module = watch.culprit or "a module that did not say"
        collector.config.stash[_TURNED_ON].append(("collect", collector.nodeid, module))
    return report


@pytest.fixture
def gil_stress():
    return run_calls_together


def _watched(item) -> bool:
    return item.config.getoption("gil_stays_off") or \
        item.get_closest_marker("gil_stays_off") is not None


def _before_the_test(item):
    """What turned the GIL on before ``item`` ran: at configuration, or while its
    module was collected."""
    for when, nodeid, module in item.config.stash.get(_TURNED_ON, []):
        if when == "config":
            return f"at configuration by {module}"
        if nodeid and (item.nodeid == nodeid or item.nodeid.startswith(nodeid + "::")):
            return f"while collecting {nodeid} by {module}"
    return None


def _watch_phase(item, phase):
    if not _watched(item):
        return (yield)
    if phase == "setup":
        earlier = _before_the_test(item)
        if earlier:
            pytest.fail(f"the GIL was turned on {earlier} (it does not declare "
                        "Py_MOD_GIL_NOT_USED)", pytrace=False)
    with GilWatch() as watch:
        result = yield          # a phase that raised is reported as it is
    if watch.turned_on:
        culprit = watch.culprit or "a module that did not say"
        pytest.fail(f"the GIL was turned on during this test's {phase} by {culprit} "
                    "(it does not declare Py_MOD_GIL_NOT_USED)", pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    yield from _watch_phase(item, "setup")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    yield from _watch_phase(item, "call")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item):
    yield from _watch_phase(item, "teardown")
