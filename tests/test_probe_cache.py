"""The interpreter probe's cache: a second probe of an unchanged interpreter does not run
it; a changed executable, environment or site-packages folder is probed again. Real
interpreters (a launcher that counts its runs, a real venv), a real cache folder."""

import os
import subprocess
import sys

import pytest

from gilcompat.pythons.interpreter import probe


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GILCOMPAT_CACHE", str(tmp_path / "cache"))


def counting_launcher(path, runs, extra=""):
    path.write_text(f"#!/bin/sh\n{extra}echo run >> {runs}\nexec {sys.executable} \"$@\"\n")
    path.chmod(0o755)
    return path


def runs_of(runs):
    return len(runs.read_text().splitlines()) if runs.exists() else 0


def test_an_unchanged_interpreter_is_probed_once(tmp_path):
    runs = tmp_path / "runs"
    launcher = counting_launcher(tmp_path / "python3", runs)
    first, second = probe(str(launcher)), probe(str(launcher))
    assert runs_of(runs) == 1 and first == second
    assert first.executable == str(launcher)


def test_a_changed_executable_or_environment_is_probed_again(tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    launcher = counting_launcher(tmp_path / "python3", runs)
    probe(str(launcher))
    counting_launcher(launcher, runs, extra=": a different launcher now\n")
    probe(str(launcher))
    assert runs_of(runs) == 2
    monkeypatch.setenv("PYTHONSAFEPATH", "1")
    probe(str(launcher))
    assert runs_of(runs) == 3


def test_a_package_installed_since_is_seen(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    before = probe(python)
    assert before.cffi_version is None
    site = before.site_packages[0]
    meta = os.path.join(site, "cffi-99.0.dist-info")
    os.makedirs(meta)
    with open(os.path.join(meta, "METADATA"), "w") as handle:
        handle.write("Metadata-Version: 2.1\nName: cffi\nVersion: 99.0\n")
    assert probe(python).cffi_version == "99.0"


def test_a_pyenv_shim_is_run_once_and_its_choice_is_what_cells_run(tmp_path, monkeypatch):
    """A shim picks an interpreter by the folder it runs in: probed where the user is,
    its choice is what cells run (they run in folders of their own); probed again from
    another folder."""
    shims = tmp_path / "pyenv" / "shims"
    shims.mkdir(parents=True)
    runs = tmp_path / "runs"
    shim = counting_launcher(shims / "python3", runs, extra="# hands over to pyenv exec\n")
    interp = probe(str(shim))
    assert interp.executable == str(shim)
    assert os.path.samefile(interp.python, sys.executable)
    probe(str(shim))
    assert runs_of(runs) == 1
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    probe(str(shim))
    assert runs_of(runs) == 2


def test_a_launcher_outside_a_shims_folder_is_what_cells_run(tmp_path):
    launcher = counting_launcher(tmp_path / "python3", tmp_path / "runs",
                                 extra="# mentions pyenv, but is no shim\n")
    assert probe(str(launcher)).python == str(launcher)
