"""Where a CPython source tarball can come from, each with a checksum from its own index.

Two sources, tried in order (``GILCOMPAT_SOURCES=debian,python.org`` reorders or narrows):

- ``python.org``: the release's file list from python.org's downloads API, with its sums;
- ``debian``: the ``python3.X`` source package of the Debian archive this machine's apt
  is configured for; the mirror is read from apt's own configuration, and the
  ``Sources`` index of a suite that carries the package gives the sha256.

A source that cannot be reached says why; the caller moves on to the next one.
"""

import hashlib
import json
import lzma
import os
import re
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, List, Optional

DEBIAN_SUITES = ("trixie", "forky", "sid")
APT_SOURCES = (Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d"))
TIMEOUT_S = 30


class SourceUnavailable(Exception):
    """This source cannot provide the tarball; the message says why."""


class ChecksumMismatch(Exception):
    """A downloaded tarball does not match its index: it is refused, never unpacked."""


@dataclass(frozen=True)
class Tarball:
    source: str          # "python.org" or "debian"
    version: str         # full CPython version, e.g. "3.13.5"
    url: str
    sha256: Optional[str]
    md5: Optional[str] = None
    size: Optional[int] = None

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1]


def fetch(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            return response.read()
    except OSError as exc:
        raise SourceUnavailable(f"cannot fetch {url}: {exc}") from exc


# ---------------------------------------------------------------- python.org

def python_org_tarball(minor: str, fetcher: Callable[[str], bytes] = fetch,
                       version: Optional[str] = None) -> Tarball:
    api = "https://www.python.org/api/v2/downloads/"
    releases = json.loads(fetcher(api + "release/?is_published=true"))
    pattern = re.compile(r"^Python (%s\.\d+)$" % re.escape(minor))
    found = [(r, pattern.match(r.get("name", ""))) for r in releases]
    found = [(r, m.group(1)) for r, m in found if m and (not version or m.group(1) == version)]
    if not found:
        raise SourceUnavailable(f"python.org lists no final release {version or 'of ' + minor}")
    release, version = max(found, key=lambda pair: _version_key(pair[1]))
    release_id = release["resource_uri"].rstrip("/").rsplit("/", 1)[-1]
    files = json.loads(fetcher(api + f"release_file/?release={release_id}"))
    for entry in files:
        if entry.get("url", "").endswith(f"Python-{version}.tar.xz"):
            return Tarball("python.org", version, entry["url"],
                           sha256=entry.get("sha256_sum") or None,
                           md5=entry.get("md5_sum") or None,
                           size=entry.get("filesize") or None)
    raise SourceUnavailable(f"python.org lists no Python-{version}.tar.xz")


# ---------------------------------------------------------------- Debian

def apt_mirrors(paths: Iterable[Path] = APT_SOURCES) -> List[str]:
    """The archive URIs apt is configured with (security and update archives excluded)."""
    uris: List[str] = []
    for path in paths:
        files = sorted(path.iterdir()) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and file.suffix in (".list", ".sources"):
                uris.extend(_uris_in(file.read_text(errors="replace")))
    keep = [u.rstrip("/") for u in uris if not u.rstrip("/").endswith("-security")]
    return list(dict.fromkeys(keep))


def _uris_in(text: str) -> List[str]:
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("URIs:"):
            found.extend(line.split()[1:])
        elif line.startswith(("deb ", "deb-src ")):
            words = [w for w in line.split() if not w.startswith("[")]
            if len(words) > 1 and "]" not in words[1]:
                found.append(words[1])
    return [u for u in found if u.startswith(("http://", "https://"))
            and "/debian" in u]


def parse_sources_index(text: str, package: str) -> Optional[dict]:
    """The stanza of ``package`` in a Debian ``Sources`` index, as field -> value."""
    for stanza in text.split("\n\n"):
        if f"\nPackage: {package}\n" not in "\n" + stanza + "\n":
            continue
        fields, key = {}, None
        for line in stanza.splitlines():
            if line.startswith((" ", "\t")) and key:
                fields[key] += "\n" + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        return fields
    return None


def debian_tarball(minor: str, fetcher: Callable[[str], bytes] = fetch,
                   mirrors: Optional[List[str]] = None,
                   version: Optional[str] = None) -> Tarball:
    """The newest ``minor`` release any suite serves, or exactly ``version`` when pinned."""
    mirrors = apt_mirrors() if mirrors is None else mirrors
    if not mirrors:
        raise SourceUnavailable("apt is configured with no Debian archive "
                                "(looked in /etc/apt/sources.list and sources.list.d)")
    package, reasons, offered = f"python{minor}", [], []
    for mirror in mirrors:
        for suite in DEBIAN_SUITES:
            index_url = f"{mirror}/dists/{suite}/main/source/Sources.xz"
            try:
                text = lzma.decompress(fetcher(index_url)).decode("utf-8", "replace")
            except (SourceUnavailable, lzma.LZMAError) as exc:
                reasons.append(str(exc))
                continue
            stanza = parse_sources_index(text, package)
            if stanza:
                offered.append(_tarball_from_stanza(mirror, stanza))
            else:
                reasons.append(f"{suite} has no source package {package}")
    return _pick(offered, minor, version, "Debian", reasons)


def _pick(offered: List[Tarball], minor: str, version: Optional[str], source: str,
          reasons: List[str]) -> Tarball:
    """The pinned ``version`` among ``offered``, else the newest."""
    if version:
        matching = [t for t in offered if t.version == version]
        if matching:
            return matching[0]
        served = sorted({t.version for t in offered}, key=_version_key)
        raise SourceUnavailable(f"{source} serves no CPython {version} (it serves "
                                f"{', '.join(served) or 'no ' + minor})")
    if not offered:
        raise SourceUnavailable("; ".join(reasons) or f"{source} has no CPython {minor}")
    return max(offered, key=lambda t: _version_key(t.version))


def _tarball_from_stanza(mirror: str, stanza: dict) -> Tarball:
    for line in stanza.get("Checksums-Sha256", "").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2].endswith(".orig.tar.xz"):
            sha, size, name = parts
            version = name.split("_", 1)[1].rsplit(".orig", 1)[0]
            url = f"{mirror}/{stanza['Directory']}/{name}"
            return Tarball("debian", version, url, sha256=sha, size=int(size))
    raise SourceUnavailable(f"source package {stanza.get('Package')} lists no .orig.tar.xz")


# ---------------------------------------------------------------- choosing, verifying

SOURCES = {"python.org": python_org_tarball, "debian": debian_tarball}


def source_order() -> List[str]:
    names = os.environ.get("GILCOMPAT_SOURCES", "python.org,debian").split(",")
    unknown = [n for n in names if n.strip() not in SOURCES]
    if unknown:
        raise ValueError(f"GILCOMPAT_SOURCES: unknown source(s) {unknown}; "
                         f"known: {', '.join(SOURCES)}")
    return [n.strip() for n in names]


def find_tarball(minor: str, order: Optional[List[str]] = None,
                 sources=None, log: Callable[[str], None] = print,
                 version: Optional[str] = None) -> Tarball:
    """The newest release of ``minor`` (or the pinned ``version``) that any source in
    ``order`` serves; on a tie the earlier source wins."""
    sources = SOURCES if sources is None else sources
    reasons, offered = [], []
    for name in order or source_order():
        try:
            tarball = sources[name](minor, version=version)
            log(f"source: {name} has CPython {tarball.version}")
            offered.append(tarball)
        except SourceUnavailable as exc:
            log(f"source: {name} unavailable: {exc}")
            reasons.append(f"{name}: {exc}")
    if not offered:
        wanted = version or minor
        raise SourceUnavailable(f"no source has CPython {wanted}: " + " | ".join(reasons))
    newest = max(_version_key(t.version) for t in offered)
    return next(t for t in offered if _version_key(t.version) == newest)


def verify(tarball: Tarball, data: bytes) -> None:
    """Raise ChecksumMismatch unless ``data`` matches the index's sum (sha256, else md5)."""
    if tarball.sha256:
        algo, want = "sha256", tarball.sha256
    elif tarball.md5:
        algo, want = "md5", tarball.md5
    else:
        raise ChecksumMismatch(f"{tarball.url}: the index gave no checksum; refusing it")
    got = hashlib.new(algo, data).hexdigest()
    if got != want.lower():
        raise ChecksumMismatch(f"{tarball.filename}: {algo} is {got}, the {tarball.source} "
                               f"index says {want}; refusing to unpack it")


def download(tarball: Tarball, dest: Path, log: Callable[[str], None] = print) -> Path:
    """Download (or reuse) and verify ``tarball`` into ``dest``; return the file's path."""
    target = dest / tarball.filename
    if target.exists():
        try:
            verify(tarball, target.read_bytes())
            return target
        except ChecksumMismatch:
            target.unlink()
    log(f"downloading {tarball.filename} ({(tarball.size or 0) // 2**20} MiB)")
    data = fetch(tarball.url)
    verify(tarball, data)
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    os.replace(partial, target)
    return target


def _version_key(version: str):
    return tuple(int(p) for p in version.split("."))
