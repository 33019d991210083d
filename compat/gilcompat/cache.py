"""Where gilcompat keeps what it builds, and a lock so two processes can share it.

Everything lives under one per-user folder so a later session (or CI run) on the same
machine reuses provisioned interpreters, prepared venvs and built cases:
``$GILCOMPAT_CACHE``, else ``$XDG_CACHE_HOME/gilcompat``, else ``~/.cache/gilcompat``.
"""

import contextlib
import fcntl
import os
import shutil
import tempfile
from pathlib import Path


def cache_root() -> Path:
    explicit = os.environ.get("GILCOMPAT_CACHE")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "gilcompat"


def cache_dir(*parts: str) -> Path:
    path = cache_root().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def file_lock(path: Path):
    """Hold an exclusive advisory lock on ``path`` (created if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def publish_dir(final: Path):
    """Yield a fresh temporary folder beside ``final``; on success rename it into place.

    The rename is atomic, so a reader sees either nothing or a complete folder, never a
    half-written one, even when two processes build the same thing at once.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=final.name + ".tmp-", dir=final.parent))
    try:
        yield staging
        try:
            os.rename(staging, final)
        except OSError:
            if not final.exists():
                raise
            # Another process published the same thing first; its copy is as good.
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
