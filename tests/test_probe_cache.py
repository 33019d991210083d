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
