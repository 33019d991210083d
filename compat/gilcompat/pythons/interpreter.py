"""What an interpreter build is: probed by running it, never guessed from its name."""

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from typing import Optional, Tuple

from gilcompat import cache

_PROBE = r"""
import json, site, sys, sysconfig, importlib.util
def version_of(dist):
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:
        return None
impl = sys.implementation.name
def own_gil_module():
    # Per-interpreter GILs (PEP 684) need 3.12; the low-level module changed its name.
    if impl != "cpython" or sys.version_info < (3, 12):
        return None
    for name in ("_interpreters", "_xxsubinterpreters"):
        if importlib.util.find_spec(name) is not None:
            return name
    return None
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
    "debug": bool(sysconfig.get_config_var("Py_DEBUG")),
    "subinterpreters": own_gil_module(),
    "site_packages": [p for p in dict.fromkeys(
        (site.getsitepackages() if hasattr(site, "getsitepackages") else [])
        + [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])],
    "real_executable": sys.executable,
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
    debug: bool = False
    site_packages: Tuple[str, ...] = ()   # of the runner: the cell's child adds only these
    runner: str = ""          # the executable cells run with (a prepared venv's, or the same)
    try_modes: bool = False   # runs C code in parallel without declaring it: try gil0/gil1
    id_suffix: str = ""       # tells apart two interpreters of one ABI in one run
    subinterpreters: Optional[str] = None   # the low-level module for own-GIL interpreters
    shim_target: str = ""     # a pyenv shim's interpreter, as the shim chose it when probed

    @property
    def id(self) -> str:
        """Readable and unique per ABI: ``cpython-3.13.15t``, ``cpython-3.13.15t-tsan``,
        ``cpython-3.12.1-debug``; a SOABI that says more than the declared flags do
        (a free-threaded ``313t`` ABI on a build that does not declare it) is added."""
        name = "pypy" if self.implementation == "pypy" else "cpython"
        text = f"{name}-{self.version}{'t' if self.free_threaded else ''}" \
               f"{'-tsan' if self.tsan else ''}{'-debug' if self.debug else ''}"
        unexplained = self.abi_tag.replace("t" if self.free_threaded else "\0", "") \
                                  .replace("d" if self.debug else "\0", "")
        if any(c.isalpha() for c in unexplained):
            text += f"-abi{self.abi_tag}"
        return text + self.id_suffix

    @property
    def abi_tag(self) -> str:
        """The ABI part of SOABI (``313t`` of ``cpython-313t-x86_64-linux-gnu``)."""
        parts = (self.soabi or "").lstrip(".").split("-")
        return parts[1] if self.implementation == "cpython" and len(parts) > 1 else ""

    @property
    def version_tuple(self) -> Tuple[int, int]:
        major, minor = self.version.split(".")[:2]
        return int(major), int(minor)

    @property
    def modes(self) -> Tuple[str, ...]:
        """The GIL modes to run: forcing exists on free-threaded builds, and is tried on a
        build measured to run C code in parallel without declaring it; ``subinterp``
        where interpreters with their own GIL can be made."""
        forcing = self.free_threaded or self.try_modes
        modes = ("default", "gil0", "gil1") if forcing else ("default",)
        return modes + (("subinterp",) if self.subinterpreters else ())

    @property
    def can_build(self) -> bool:
        return bool(self.cffi_version) and self.has_setuptools

    @property
    def python(self) -> str:
        return self.runner or self.shim_target or self.executable

    def to_dict(self) -> dict:
        data = asdict(self)
        data["id"] = self.id
        return data


def _without_gil_setting(environ) -> dict:
    return {k: v for k, v in environ.items() if k != "PYTHON_GIL"}


def probe(executable: str, timeout_s: float = 60) -> Interpreter:
    """What ``executable`` is: from the per-user cache when neither the executable,
    the environment it would see, nor its site-packages folders changed since it was
    last run for this; else by running it (and caching the answer). What it declares
    is all the probe reads: whatever a cell measures is measured in the cell."""
    entry = _cache_entry(executable)
    found = _cached(entry)
    if found is None:
        found = _probe_now(executable, timeout_s)
        _store(entry, found)
    return found


PROBE_FORMAT = 2       # bumped when the probe's answer gains a field


def is_pyenv_shim(path: str) -> bool:
    """A pyenv shim: a script in a ``shims`` folder that hands over to ``pyenv exec``,
    which picks the interpreter by the folder it runs in and ``PYENV_VERSION``."""
    if os.path.basename(os.path.dirname(path)) != "shims":
        return False
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return head.startswith(b"#!") and b"pyenv" in head


def _identity(executable: str) -> Optional[dict]:
    """What the answer depends on, short of running the executable: the file (and
    what a link resolves to) and the PYTHON* environment the probe runs with; for a
    pyenv shim also what its choice depends on."""
    absolute = os.path.abspath(shutil.which(executable) or executable)
    try:
        stats = [os.stat(path) for path in (absolute, os.path.realpath(absolute))]
    except OSError:
        return None
    identity = {"format": PROBE_FORMAT, "path": absolute,
                "files": [[s.st_ino, s.st_size, s.st_mtime_ns] for s in stats],
                "env": sorted((k, v) for k, v in _without_gil_setting(os.environ).items()
                              if k.startswith("PYTHON"))}
    if is_pyenv_shim(absolute):
        identity["pyenv"] = [os.getcwd(), os.environ.get("PYENV_VERSION")]
    return identity


def _folder_stamps(folders) -> dict:
    stamps = {}
    for folder in folders:
        try:
            stamps[folder] = os.stat(folder).st_mtime_ns
        except OSError:
            stamps[folder] = None
    return stamps


def _cache_entry(executable: str):
    identity = _identity(executable)
    if identity is None:
        return None
    digest = hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:24]
    return cache.cache_root() / "probes" / f"{digest}.json", identity


def _cached(entry) -> Optional[Interpreter]:
    if entry is None:
        return None
    path, identity = entry
    try:
        data = json.loads(path.read_text())
        if data["identity"] != json.loads(json.dumps(identity)):
            return None
        fields = data["interpreter"]
        # A package installed or removed since changes a site-packages folder's time.
        if data["site_stamps"] != _folder_stamps(fields["site_packages"]):
            return None
        fields["site_packages"] = tuple(fields["site_packages"])
        return Interpreter(**fields)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store(entry, interp: Interpreter) -> None:
    if entry is None:
        return
    path, identity = entry
    data = {"identity": identity, "interpreter": asdict(interp),
            "site_stamps": _folder_stamps(interp.site_packages)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(data))
        os.replace(partial, path)       # readers see the old answer or the new one
    except OSError:
        pass                            # no cache: the next run probes again


def _probe_now(executable: str, timeout_s: float) -> Interpreter:
    try:
        proc = subprocess.run([executable, "-s", "-c", _PROBE], capture_output=True,
                              text=True, timeout=timeout_s,
                              env=_without_gil_setting(os.environ))
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ProbeError(f"{executable}: cannot run it: {exc}") from None
    if proc.returncode != 0:
        raise ProbeError(f"{executable}: exited {proc.returncode}: {proc.stderr.strip()[-400:]}")
    try:
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        data.pop("prefix"), data.pop("base_prefix")
        real = data.pop("real_executable")
        data["site_packages"] = tuple(data["site_packages"])
    except (ValueError, IndexError, KeyError, AttributeError, TypeError):
        raise ProbeError(f"{executable}: ran, but did not answer like a Python 3 "
                         "interpreter") from None
    # An absolute path, but not resolved: a venv's or a wrapper's own path must stay.
    # A pyenv shim is the exception: it only picks an interpreter (by the folder it
    # runs in, and a cell's child runs in a folder of its own) and costs a shell and
    # pyenv's start on every run; cells run what it picked here.
    absolute = os.path.abspath(shutil.which(executable) or executable)
    if is_pyenv_shim(absolute) and real:
        data["shim_target"] = real
    try:
        return Interpreter(executable=absolute, **data)
    except TypeError:
        raise ProbeError(f"{executable}: ran, but its answer lacks what gilcompat "
                         "needs to know") from None
