"""The pytest plugin, in a real pytest run on free-threaded CPython: gil_stays_off fails a
test whose import turned the GIL on (naming the module) and passes one that did not;
gil_stress returns what every call returned and raised."""

import subprocess
import textwrap

from compat import cache
from compat.builds import ensure_built
from compat.cases import corpus_root, load_case
from compat.child_launch import PACKAGE_DIR

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


def pytest_venv(ft) -> str:
    """A venv of the free-threaded build with pytest (cached: made once)."""
    folder = cache.cache_root() / "test-venvs" / f"{ft.id}-pytest"
    python = folder / "bin" / "python"
    with cache.file_lock(folder.parent / f".{folder.name}.lock"):
        if not (folder / ".ready").exists():
            subprocess.run([ft.executable, "-m", "venv", "--clear", str(folder)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", "pytest"],
                           check=True)
            (folder / ".ready").touch()
    return str(python)


def test_plugin_on_free_threaded_pytest(request, tmp_path):
    ft = free_threaded(request.config)
    build = ensure_built(load_case(corpus_root() / "global_counter"), ft)
    (tmp_path / "test_ext.py").write_text(TESTS.format(so=str(build.shared_object)))
    # Only the package on the path: the source tree's egg-info would register the
    # plugin's entry point a second time.
    (tmp_path / "path").mkdir()
    (tmp_path / "path" / "compat").symlink_to(PACKAGE_DIR)
    proc = subprocess.run(
        [pytest_venv(ft), "-m", "pytest", "-p", "compat.pytest_plugin", "-p", "no:cacheprovider",
         "-rA", str(tmp_path / "test_ext.py")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path / "path")})
    out = proc.stdout
    assert "PASSED test_ext.py::test_opted_in_module" in out, out + proc.stderr
    assert "PASSED test_ext.py::test_stress" in out, out
    assert "FAILED test_ext.py::test_plain_module" in out, out
    assert "turned on during this test by _gilcompat_global_counter_capi" in out
