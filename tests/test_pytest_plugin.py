"""The pytest plugin, installed from the wheel into a free-threaded CPython's venv, in real
pytest runs: gil_stays_off fails a test for which the GIL got turned on in any phase, at
collection or at configuration (naming the module and the phase) and passes one that did
not; gil_stress returns what every call returned and raised; a project with its own
``compat`` package keeps working."""

import subprocess
from pathlib import Path
import textwrap

import pytest

from gilcompat import cache
from gilcompat.build.cached_build import ensure_built
from gilcompat.corpus.cases import corpus_root, load_case

from test_report import free_threaded

TESTS = """
import importlib.machinery, importlib.util
import pytest

SO = {so!r}

def load(name):
    loader = importlib.machinery.ExtensionFileLoader(name, SO)
    spec = importlib.util.spec_from_file_location(name, SO, loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module

@pytest.mark.gil_stays_off
def test_opted_in_module():
    load("_gilcompat_global_counter_capi_optin")

@pytest.mark.gil_stays_off
def test_plain_module():
    load("_gilcompat_global_counter_capi")

@pytest.fixture
def loads_in_setup():
    load("_gilcompat_global_counter_capi")

@pytest.mark.gil_stays_off
def test_plain_module_in_setup(loads_in_setup):
    pass

@pytest.fixture
def loads_in_teardown():
    yield
    load("_gilcompat_global_counter_capi")

@pytest.mark.gil_stays_off
def test_plain_module_in_teardown(loads_in_teardown):
    pass

def test_stress(gil_stress):
    def call(thread, iteration):
        if iteration == 3:
            raise ValueError(thread)
        return thread * 1000 + iteration
    calls = gil_stress(call, threads=4, iterations=5)
    assert [c.index for c in calls] == [0, 1, 2, 3]
    assert calls[2].returned == [2000, 2001, 2002, 2004]
    assert [(i, e.args) for i, e in calls[1].raised] == [(3, (1,))]
"""


LOADER = """
import importlib.machinery, importlib.util
SO = {so!r}
loader = importlib.machinery.ExtensionFileLoader("{name}", SO)
spec = importlib.util.spec_from_file_location("{name}", SO, loader=loader)
module = importlib.util.module_from_spec(spec)
loader.exec_module(module)
"""


def pytest_venv(ft, wheel) -> str:
    """A venv of the free-threaded build with pytest (made once) and gilcompat from the
    wheel (reinstalled each time, without its dependencies: the plugin needs none)."""
    folder = cache.cache_root() / "test-venvs" / f"{ft.id}-pytest"
    python = folder / "bin" / "python"
    with cache.file_lock(folder.parent / f".{folder.name}.lock"):
        if not (folder / ".ready").exists():
            subprocess.run([ft.executable, "-m", "venv", "--clear", str(folder)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", "pytest"],
                           check=True)
            (folder / ".ready").touch()
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps",
                        "--force-reinstall", str(wheel)], check=True)
    return str(python)


@pytest.fixture(scope="module")
def ft_pytest(request, gilcompat_wheel):
    ft = free_threaded(request.config)
    build = ensure_built(load_case(corpus_root() / "global_counter"), ft)
    return pytest_venv(ft, gilcompat_wheel), str(build.shared_object)


def run_pytest(python, folder, *args):
    proc = subprocess.run([python, "-m", "pytest", "-p", "no:cacheprovider", "-rA", *args],
                          capture_output=True, text=True, timeout=300, cwd=folder,
                          env={"PATH": "/usr/bin:/bin"})
    return proc.stdout + proc.stderr


def test_plugin_fails_a_test_whose_phase_turned_the_gil_on(ft_pytest, tmp_path):
    python, so = ft_pytest
    (tmp_path / "test_ext.py").write_text(TESTS.format(so=so))
    out = run_pytest(python, tmp_path, "test_ext.py", "-k", "not setup and not teardown")
    assert "PASSED test_ext.py::test_opted_in_module" in out, out
    assert "PASSED test_ext.py::test_stress" in out, out
    assert "FAILED test_ext.py::test_plain_module - " in out, out
    assert "turned on during this test's call by _gilcompat_global_counter_capi" in out
    # Once on, the GIL stays on in that process: each phase gets a pytest of its own.
    for phase in ("setup", "teardown"):
        out = run_pytest(python, tmp_path, f"test_ext.py::test_plain_module_in_{phase}")
        assert f"ERROR test_ext.py::test_plain_module_in_{phase}" in out, out
        assert f"during this test's {phase} by _gilcompat_global_counter_capi" in out, out


def test_plugin_catches_the_gil_turned_on_at_collection(ft_pytest, tmp_path):
    python, so = ft_pytest
    (tmp_path / "test_top.py").write_text(
        LOADER.format(so=so, name="_gilcompat_global_counter_capi")
        + "\ndef test_anything():\n    pass\n")
    (tmp_path / "test_clean.py").write_text("def test_clean():\n    pass\n")
    out = run_pytest(python, tmp_path, "--gil-stays-off")
    assert "ERROR test_top.py::test_anything" in out, out
    assert ("turned on while collecting test_top.py by _gilcompat_global_counter_capi"
            in out), out
    # Once on, the GIL stays on for the rest of the process: a later test is not blamed
    # for it, and the one that did it is named.
    assert "PASSED test_clean.py::test_clean" in out, out


def test_plugin_catches_the_gil_turned_on_at_configuration(ft_pytest, tmp_path):
    python, so = ft_pytest
    (tmp_path / "conftest.py").write_text(
        LOADER.format(so=so, name="_gilcompat_global_counter_capi"))
    (tmp_path / "test_any.py").write_text("def test_any():\n    pass\n")
    out = run_pytest(python, tmp_path, "--gil-stays-off")
    assert "ERROR test_any.py::test_any" in out, out
    assert "turned on at configuration by _gilcompat_global_counter_capi" in out, out
    assert "gilcompat:" in run_pytest(python, tmp_path, "--help")   # its own option group


COMPAT_PROJECT = {
    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["."]\n',
    "compat/__init__.py": "def helper():\n    return 42\n",
    "tests/test_own.py": "from compat import helper\n\n"
                         "def test_helper():\n    assert helper() == 42\n",
}


def write_compat_project(folder):
    """A project with its own top-level ``compat`` package and a test that uses it."""
    for name, text in COMPAT_PROJECT.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


@pytest.mark.parametrize("runner", ["python -m pytest", "pytest"])
def test_project_with_its_own_compat_package_keeps_working(ft_pytest, tmp_path, runner):
    python, _ = ft_pytest
    write_compat_project(tmp_path)
    command = [python, "-m", "pytest"] if runner != "pytest" else \
        [str(Path(python).parent / "pytest")]
    proc = subprocess.run([*command, "-p", "no:cacheprovider", "-q"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0 and "1 passed" in proc.stdout, proc.stdout + proc.stderr
