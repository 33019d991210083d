"""Make an interpreter ready to build cases: cffi and setuptools importable.

An interpreter that already has both is used as it is. Otherwise gilcompat makes a venv
for it in the per-user cache (once; later runs reuse it) and installs them there:
``cffi<2`` on free-threaded 3.13, where cffi 2 refuses to install.
"""

import hashlib
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Callable, List

from gilcompat import cache
from gilcompat.pythons.interpreter import Interpreter, probe


class PrepareError(Exception):
    pass


def requirements(interp: Interpreter) -> List[str]:
    if interp.implementation == "pypy":
        return ["setuptools"]   # PyPy ships cffi
    if interp.free_threaded and interp.version_tuple == (3, 13):
        return ["cffi<2", "setuptools"]
    return ["cffi", "setuptools"]


def venv_dir(interp: Interpreter) -> Path:
    real = os.path.realpath(interp.executable)
    digest = hashlib.sha256(f"{real}|{interp.id}".encode()).hexdigest()[:12]
    return cache.cache_root() / "venvs" / f"{interp.id}-{digest}"


def prepared(interp: Interpreter, log: Callable[[str], None] = print) -> Interpreter:
    """``interp`` with ``runner`` set to an executable that can build cases."""
    if interp.can_build:
        return replace(interp, runner=interp.shim_target or interp.executable)
    folder = venv_dir(interp)
    python = folder / "bin" / "python"
    with cache.file_lock(folder.parent / f".{folder.name}.lock"):
        if not (folder / ".gilcompat-ready").exists():
            _make_venv(interp, folder, log)
    ready = probe(str(python))
    if not ready.can_build:
        raise PrepareError(f"{interp.executable}: venv {folder} still lacks cffi or setuptools")
    return replace(interp, runner=str(python), cffi_version=ready.cffi_version,
                   site_packages=ready.site_packages,
                   has_setuptools=True)


def _make_venv(interp: Interpreter, folder: Path, log) -> None:
    reqs = requirements(interp)
    log(f"preparing {interp.id}: venv {folder} with {', '.join(reqs)} (once; cached)")
    steps = [
        [interp.executable, "-m", "venv", "--clear", str(folder)],
        [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", *reqs],
    ]
    for step in steps:
        proc = subprocess.run(step, capture_output=True, text=True)
        if proc.returncode != 0:
            raise PrepareError(f"{interp.executable}: `{' '.join(step[:4])} ...` failed "
                               f"(exit {proc.returncode}):\n{proc.stderr.strip()[-1500:]}")
    (folder / ".gilcompat-ready").write_text(sys.version)
