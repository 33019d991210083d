"""Find every interpreter build on this machine.

Places looked at, in order: PATH (``python3``, ``python3.X``, ``python3.Xt``, ``pypy3``),
every pyenv install under pyenv's root (not only the active one), uv-managed installs,
and the builds gilcompat provisioned. Symlinks, shims and copies of one interpreter are
folded into one entry (by real path, then by what the probe reports).
"""

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

from gilcompat import cache
from gilcompat.pythons.interpreter import Interpreter, ProbeError, probe

_NAME = re.compile(r"^(python3(\.\d+t?)?|pypy3(\.\d+)?)$")


@dataclass(frozen=True)
class Found:
    interpreter: Interpreter
    origin: str            # "PATH", "pyenv", "uv", "gilcompat"

    def to_dict(self) -> dict:
        return {**self.interpreter.to_dict(), "origin": self.origin}


def on_path(path_env: Optional[str] = None) -> List[Path]:
    found = []
    for folder in (path_env if path_env is not None else os.environ.get("PATH", "")).split(os.pathsep):
        if not folder or "shims" in Path(folder).parts:   # pyenv shims: seen via pyenv below
            continue
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        found += [Path(folder, n) for n in names if _NAME.match(n) and os.access(Path(folder, n), os.X_OK)]
    return found


def pyenv_root() -> Optional[Path]:
    root = os.environ.get("PYENV_ROOT")
    if root:
        return Path(root)
    if shutil.which("pyenv"):
        try:
            out = subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=10)
            if out.returncode == 0 and out.stdout.strip():
                return Path(out.stdout.strip())
        except (OSError, subprocess.TimeoutExpired):
            pass
    default = Path.home() / ".pyenv"
    return default if default.is_dir() else None


def in_versions_dir(versions: Path) -> List[Path]:
    """Interpreters in a pyenv-style ``versions/<name>/bin/`` or uv-style folder."""
    found = []
    if not versions.is_dir():
        return found
    for install in sorted(versions.iterdir()):
        bin_dir = install / "bin"
        if not bin_dir.is_dir():
            continue
        names = sorted(n for n in os.listdir(bin_dir) if _NAME.match(n))
        # The most specific name (python3.13t over python3) says the most.
        names.sort(key=lambda n: (-len(n), n))
        if names:
            found.append(bin_dir / names[0])
    return found


def uv_dirs() -> List[Path]:
    dirs = []
    if os.environ.get("UV_PYTHON_INSTALL_DIR"):
        dirs.append(Path(os.environ["UV_PYTHON_INSTALL_DIR"]))
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    dirs.append(Path(data) / "uv" / "python")
    return dirs


def candidates() -> List[tuple]:
    """(path, origin) pairs, before probing and folding."""
    found = [(p, "PATH") for p in on_path()]
    root = pyenv_root()
    if root:
        found += [(p, "pyenv") for p in in_versions_dir(root / "versions")]
    for folder in uv_dirs():
        found += [(p, "uv") for p in in_versions_dir(folder)]
    found += [(p, "gilcompat") for p in in_versions_dir(cache.cache_root() / "pythons")]
    return found


def fold(probed: List[Found]) -> List[Found]:
    """One entry per interpreter: the same build seen twice keeps its first sighting."""
    seen: Dict[tuple, Found] = {}
    for entry in probed:
        i = entry.interpreter
        key = (i.implementation, i.version, i.free_threaded, i.tsan,
               os.path.realpath(i.executable) if i.implementation == "pypy" else i.soabi,
               _install_root(i.executable))
        seen.setdefault(key, entry)
    return list(seen.values())


def _install_root(executable: str) -> str:
    return str(Path(os.path.realpath(executable)).parent.parent)


def discover(log: Callable[[str], None] = lambda m: None) -> List[Found]:
    pairs, by_real = candidates(), {}
    for path, origin in pairs:
        by_real.setdefault(os.path.realpath(path), (str(path), origin))

    def attempt(item):
        path, origin = item
        try:
            return Found(probe(path, timeout_s=30), origin)
        except ProbeError as exc:
            first = (str(exc).splitlines() or [""])[0]
            log(f"gilcompat: ignoring {path}: {first}")
            return None

    with ThreadPoolExecutor(max_workers=4) as pool:
        probed = [f for f in pool.map(attempt, by_real.values()) if f]
    return fold(probed)
