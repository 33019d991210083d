"""Discovery over fake pyenv / uv / PATH trees whose 'interpreters' are real CPython
(symlinks to the one running the tests), so the probe really runs them."""

import os
import sys
from pathlib import Path

from gilcompat.pythons import discovery


def link(path: Path, target: str = sys.executable) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, path)
    return path


def test_pyenv_and_uv_layouts_are_walked(tmp_path):
    versions = tmp_path / "pyenv" / "versions"
    link(versions / "3.11.7" / "bin" / "python3.11")
    link(versions / "3.11.7" / "bin" / "python3")
    (versions / "system-notes").mkdir(parents=True)   # a folder without bin/ is ignored
    uv = tmp_path / "uv" / "python"
    link(uv / "cpython-3.13.0-linux-x86_64-gnu" / "bin" / "python3.13")
    found = discovery.in_versions_dir(versions) + discovery.in_versions_dir(uv)
    assert [p.name for p in found] == ["python3.11", "python3.13"]


def test_path_scan_skips_shims_and_other_names(tmp_path):
    good = tmp_path / "bin"
    shims = tmp_path / "pyenv" / "shims"
    link(good / "python3.13t")
    link(good / "pypy3")
    link(good / "python3-config")
    link(shims / "python3")
    names = [p.name for p in discovery.on_path(os.pathsep.join([str(good), str(shims)]))]
    assert names == ["pypy3", "python3.13t"]


def test_symlinks_and_copies_fold_into_one_entry(tmp_path, monkeypatch):
    versions = tmp_path / "pyenv" / "versions"
    link(versions / "a" / "bin" / "python3")
    link(tmp_path / "bin" / "python3")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "nothing"))
    monkeypatch.setenv("GILCOMPAT_CACHE", str(tmp_path / "cache"))
    found = discovery.discover()
    assert len(found) == 1
    assert found[0].interpreter.version == "%d.%d.%d" % sys.version_info[:3]
    assert found[0].origin == "PATH"


def test_anything_on_path_that_is_not_a_working_python_is_left_out_with_a_note(
        tmp_path, monkeypatch):
    """Stray executables named like Pythons: one prints text, one prints JSON of the
    wrong shape, one exits non-zero, one is not executable at all; a real one beside
    them is still found, and each stray gets one line saying why it was left out."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    strays = {"python3.98": "#!/bin/sh\necho 'hello, I am not Python'\n",
              "python3.97": "#!/bin/sh\necho '{\"implementation\": 1}'\n",
              "python3.96": "#!/bin/sh\nexit 3\n",
              "python3.95": "not even a script\n"}
    for name, text in strays.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    link(bin_dir / "python3", sys.executable)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(discovery, "pyenv_root", lambda: None)
    monkeypatch.setattr(discovery, "uv_dirs", lambda: [])
    monkeypatch.setenv("GILCOMPAT_CACHE", str(tmp_path / "cache"))
    notes = []
    found = discovery.discover(log=notes.append)
    assert [os.path.basename(f.interpreter.executable) for f in found] == ["python3"]
    for name in strays:
        lines = [n for n in notes if name in n]
        assert len(lines) == 1 and "\n" not in lines[0], notes
