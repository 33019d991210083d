"""What an interpreter build is: probed by running it, never guessed from its name."""

import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from typing import Optional, Tuple

_PROBE = r"""
import json, sys, sysconfig, importlib.util
def version_of(dist):
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:
        return None
impl = sys.implementation.name
cffi = version_of("cffi")
if cffi is None and impl == "pypy":
    try:
        import cffi as c; cffi = c.__version__
    except Exception:
        pass
print(json.dumps({
    "implementation": impl,
    "version": "%d.%d.%d" % sys.version_info[:3],
    "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    "tsan": "--with-thread-sanitizer" in (sysconfig.get_config_var("CONFIG_ARGS") or ""),
    "cffi_version": cffi,
    "has_setuptools": importlib.util.find_spec("setuptools") is not None
                      or sys.version_info < (3, 12),
    "soabi": sysconfig.get_config_var("SOABI") or sysconfig.get_config_var("EXT_SUFFIX"),
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
}))
"""


class ProbeError(Exception):
    pass


@dataclass(frozen=True)
class Interpreter:
    executable: str           # what the user named (or discovery found)
    implementation: str       # "cpython" or "pypy"
    version: str              # "3.13.5"
    free_threaded: bool
    tsan: bool
    cffi_version: Optional[str]
    has_setuptools: bool
    soabi: str
    runner: str = ""          # the executable cells run with (a prepared venv's, or the same)

    @property
    def id(self) -> str:
        name = "pypy" if self.implementation == "pypy" else "cpython"
        return f"{name}-{self.version}{'t' if self.free_threaded else ''}" \
               f"{'-tsan' if self.tsan else ''}"

    @property
    def version_tuple(self) -> Tuple[int, int]:
        major, minor = self.version.split(".")[:2]
        return int(major), int(minor)

    @property
    def modes(self) -> Tuple[str, ...]:
        """The GIL modes this build supports: forcing exists only on free-threaded builds."""
        return ("default", "gil0", "gil1") if self.free_threaded else ("default",)

    @property
    def can_build(self) -> bool:
        return bool(self.cffi_version) and self.has_setuptools

    @property
    def python(self) -> str:
        return self.runner or self.executable

    def to_dict(self) -> dict:
        data = asdict(self)
        data["id"] = self.id
        return data


def _without_gil_setting(environ) -> dict:
    return {k: v for k, v in environ.items() if k != "PYTHON_GIL"}


def probe(executable: str, timeout_s: float = 60) -> Interpreter:
    """Run ``executable`` once and read what it is."""
    try:
        proc = subprocess.run([executable, "-s", "-c", _PROBE], capture_output=True,
                              text=True, timeout=timeout_s,
                              env=_without_gil_setting(os.environ))
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ProbeError(f"{executable}: cannot run it: {exc}") from None
    if proc.returncode != 0:
        raise ProbeError(f"{executable}: exited {proc.returncode}: {proc.stderr.strip()[-400:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    data.pop("prefix"), data.pop("base_prefix")
    # An absolute path, but not resolved: a venv's or a wrapper's own path must stay.
    absolute = shutil.which(executable) or executable
    return Interpreter(executable=os.path.abspath(absolute), **data)
