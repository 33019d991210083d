"""Shared fixtures: the interpreters under test and the cases.

The corpus runs on the interpreter running pytest, plus every executable named by
``--gilcompat-python EXE`` (repeatable) or ``GILCOMPAT_TEST_PYTHONS`` (os.pathsep-separated):
CI adds free-threaded 3.13 and PyPy that way.
"""

import os
import sys
from pathlib import Path

import pytest

from gilcompat.corpus.cases import load_cases
from gilcompat.pythons.interpreter import probe
from gilcompat.pythons.venvs import prepared

TESTS = Path(__file__).resolve().parent
FIXTURE_CASES = TESTS / "cases"


def pytest_addoption(parser):
    parser.addoption("--gilcompat-python", action="append", default=[], metavar="EXE",
                     help="also run the corpus on this interpreter (repeatable)")


def _executables(config):
    extra = [p for p in os.environ.get("GILCOMPAT_TEST_PYTHONS", "").split(os.pathsep) if p]
    return list(dict.fromkeys([sys.executable, *config.getoption("gilcompat_python"), *extra]))


_PROBED = {}
_PREPARED = {}


def interpreters_under_test(config):
    key = tuple(_executables(config))
    if key not in _PROBED:
        _PROBED[key] = [probe(exe) for exe in key]
    return _PROBED[key]


def prepared_interpreter(interp):
    if interp.id not in _PREPARED:
        _PREPARED[interp.id] = prepared(interp, log=lambda m: print(m, file=sys.stderr))
    return _PREPARED[interp.id]


@pytest.fixture(scope="session")
def host():
    """The interpreter running pytest, ready to build cases."""
    return prepared_interpreter(probe(sys.executable))


@pytest.fixture(scope="session")
def fixture_cases():
    cases, errors = load_cases([FIXTURE_CASES])
    assert not errors, errors
    return {c.name: c for c in cases}


# What a clean clone does not have: a wheel built from this checkout must not see it
# (setuptools would pack a stale build/lib, deleted files included). Top-level only:
# the package has a build/ of its own.
NOT_IN_A_CLONE = {".git", "build", "dist", ".tox", ".tasks-venv", ".venv", "results"}


def _not_in_a_clone(folder, names):
    import fnmatch
    top = Path(folder) == TESTS.parent
    return [n for n in names if (top and n in NOT_IN_A_CLONE) or n == "__pycache__"
            or fnmatch.fnmatch(n, "*.egg-info")]


@pytest.fixture(scope="session")
def gilcompat_wheel(tmp_path_factory):
    """gilcompat's wheel, built the way a user's pip builds it, from a copy of this
    checkout holding only what a clean clone holds."""
    import shutil
    import subprocess
    source = tmp_path_factory.mktemp("source") / "gilcompat"
    shutil.copytree(TESTS.parent, source, ignore=_not_in_a_clone)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--disable-pip-version-check", "-w", str(out), str(source)],
                   check=True, capture_output=True)
    return next(out.glob("gilcompat-*.whl"))


LAUNCHER = """#!{host}
import os, sys
REAL = {real!r}
PRELUDE = {prelude!r}
args = sys.argv[1:]
if "-c" in args:
    at = args.index("-c") + 1
    args[at] = PRELUDE + args[at]
os.execv(REAL, [REAL, *{flags!r}, *args])
"""


def prelude_launcher(path, real, prelude, flags=()):
    """A stand-in interpreter: ``real`` started with ``flags``, ``prelude`` prefixed to
    every ``-c`` program it runs (the probe's and each cell's child)."""
    path.write_text(LAUNCHER.format(host=sys.executable, real=str(real), prelude=prelude,
                                    flags=list(flags)))
    path.chmod(0o755)
    return path
