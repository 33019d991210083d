"""Build CPython from a verified source tarball into the per-user cache.

``gilcompat python install 3.13t`` ends with the interpreter's path on the last line.
Idempotent: a finished build is found by its folder and reused.
"""

import os
import re
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional

from gilcompat import cache
from gilcompat.pythons.sources import SourceUnavailable, Tarball, download, find_tarball

BUILD_TOOLS = ("cc", "make")
# Header files a usable build needs, with the Debian package that ships each.
BUILD_HEADERS = {
    "zlib.h": "zlib1g-dev",
    "ffi.h": "libffi-dev",
    "openssl/ssl.h": "libssl-dev",
}
HEADER_DIRS = ("/usr/include", "/usr/local/include", "/usr/include/x86_64-linux-gnu",
               "/usr/include/aarch64-linux-gnu")


class ProvisionError(Exception):
    """Provisioning cannot go on; the message says what is missing and how to get it."""


@dataclass(frozen=True)
class BuildSpec:
    minor: str            # "3.13"
    free_threaded: bool
    tsan: bool = False

    @classmethod
    def parse(cls, text: str, tsan: bool = False) -> "BuildSpec":
        match = re.fullmatch(r"(3\.\d+)(t?)", text.strip())
        if not match:
            raise ProvisionError(f"cannot read version {text!r}: write 3.13t, 3.14t or 3.12")
        if tsan and not match.group(2):
            raise ProvisionError("--tsan builds are free-threaded: write 3.13t --tsan")
        return cls(match.group(1), bool(match.group(2)), tsan)

    @property
    def suffix(self) -> str:
        return ("t" if self.free_threaded else "") + ("-tsan" if self.tsan else "")

    def configure_args(self) -> List[str]:
        args = ["--with-ensurepip=install"]
        if self.free_threaded:
            args.append("--disable-gil")
        if self.tsan:
            # Everything installed is compiled to bytecode by the TSan build itself,
            # which is slow: leave out the test suite, which gilcompat never runs.
            args += ["--with-thread-sanitizer", "--disable-test-modules"]
        return args


def pythons_dir() -> Path:
    return cache.cache_dir("pythons")


def installed_executable(prefix: Path, spec: BuildSpec) -> Path:
    return prefix / "bin" / f"python{spec.minor}{'t' if spec.free_threaded else ''}"


def find_installed(spec: BuildSpec, version: Optional[str] = None) -> Optional[Path]:
    """An already provisioned build of ``spec``: exactly ``version`` when given, else
    the newest patch release in the cache."""
    pattern = re.compile(r"cpython-(%s\.\d+)%s$" % (re.escape(spec.minor), re.escape(spec.suffix)))
    found = []
    for entry in pythons_dir().iterdir():
        match = pattern.match(entry.name)
        exe = installed_executable(entry, spec)
        if match and exe.exists() and (version is None or match.group(1) == version):
            found.append((tuple(int(p) for p in match.group(1).split(".")), exe))
    return max(found)[1] if found else None


def missing_build_dependencies() -> List[str]:
    problems = []
    for tool in BUILD_TOOLS:
        if not shutil.which(tool):
            problems.append(f"no `{tool}` on PATH (Debian: apt-get install build-essential)")
    for header, package in BUILD_HEADERS.items():
        if not any(Path(d, header).exists() for d in HEADER_DIRS):
            problems.append(f"no {header} (Debian: apt-get install {package})")
    return problems


def install(spec: BuildSpec, log: Callable[[str], None] = print,
            jobs: Optional[int] = None, version: Optional[str] = None) -> Path:
    """Return the executable of a build of ``spec``: the newest release the sources
    serve, or exactly ``version``; a cached build of that release is reused. When no
    source can be reached, the newest cached build is reused, and the log says so."""
    if version and not version.startswith(spec.minor + "."):
        raise ProvisionError(f"--version {version} is not a {spec.minor} release")
    if version and find_installed(spec, version):
        return _reuse(find_installed(spec, version), log)
    try:
        tarball = find_tarball(spec.minor, log=log, version=version)
    except SourceUnavailable:
        cached = None if version else find_installed(spec)
        if cached is None:
            raise
        log(f"no source reachable to tell the newest {spec.minor}; reusing the cached build")
        return _reuse(cached, log)
    if find_installed(spec, tarball.version):
        return _reuse(find_installed(spec, tarball.version), log)
    problems = missing_build_dependencies()
    if problems:
        raise ProvisionError("cannot build CPython here:\n  " + "\n  ".join(problems))
    with cache.file_lock(pythons_dir() / f".{spec.minor}{spec.suffix}.lock"):
        existing = find_installed(spec, tarball.version)   # built by another process meanwhile?
        if existing:
            return existing
        return _build(spec, tarball, log, jobs or os.cpu_count() or 2)


def _reuse(exe: Path, log: Callable[[str], None]) -> Path:
    log(f"already provisioned: {exe}")
    return exe


def _build(spec: BuildSpec, tarball: Tarball, log, jobs: int) -> Path:
    downloads = cache.cache_dir("downloads")
    archive = download(tarball, downloads, log=log)
    prefix = pythons_dir() / f"cpython-{tarball.version}{spec.suffix}"
    work = cache.cache_dir("build-cpython") / prefix.name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log(f"unpacking {archive.name}")
    with tarfile.open(archive) as tar:
        _safe_extract(tar, work)
    source = next(p for p in work.iterdir() if (p / "configure").exists())
    with cache.publish_dir(prefix) as staging:
        steps = [
            ["./configure", f"--prefix={prefix}", *spec.configure_args()],
            ["make", f"-j{jobs}"],
            ["make", "install", f"DESTDIR={staging}"],
        ]
        for step in steps:
            _run_step(step, source, work / "build.log", log)
        _move_destdir(staging, prefix)
    shutil.rmtree(work, ignore_errors=True)
    exe = installed_executable(prefix, spec)
    log(f"built {exe}")
    return exe


def _move_destdir(staging: Path, prefix: Path) -> None:
    """``make install DESTDIR=staging`` nests the prefix inside; lift it to the top."""
    nested = staging / str(prefix).lstrip("/")
    for child in nested.iterdir():
        os.rename(child, staging / child.name)
    top = staging / str(prefix).lstrip("/").split("/", 1)[0]
    shutil.rmtree(top)


def _run_step(cmd: List[str], cwd: Path, logfile: Path, log) -> None:
    log(f"$ {' '.join(cmd)}   (log: {logfile})")
    with open(logfile, "a") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        lines = 0
        while proc.poll() is None:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                lines = sum(1 for _ in open(logfile, errors="replace"))
                log(f"  ... still running ({lines} log lines)")
    if proc.returncode != 0:
        tail = "".join(open(logfile, errors="replace").readlines()[-25:])
        raise ProvisionError(f"`{' '.join(cmd)}` failed (exit {proc.returncode}); "
                             f"end of {logfile}:\n{tail}")


def _safe_extract(tar: tarfile.TarFile, dest: Path) -> None:
    root = dest.resolve()
    for member in tar.getmembers():
        target = (dest / member.name).resolve()
        if root not in target.parents and target != root:
            raise ProvisionError(f"tarball member {member.name!r} escapes the folder")
    if sys.version_info >= (3, 12):
        tar.extractall(dest, filter="data")
    else:
        tar.extractall(dest)
