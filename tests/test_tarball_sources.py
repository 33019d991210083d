"""Source selection, the Debian index, apt's mirror, and checksum refusal, offline:
the 'network' is a dict of URL -> bytes, the tarball a real (small) xz archive."""

import hashlib
import io
import lzma
import tarfile

import pytest

from gilcompat.pythons import sources as ts

STANZA = """Package: python3.13
Version: 3.13.5-2
Directory: pool/main/p/python3.13
Checksums-Sha256:
 {dsc} 4298 python3.13_3.13.5-2.dsc
 {sha} {size} python3.13_3.13.5.orig.tar.xz
"""


def tiny_tarball() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:xz") as tar:
        data = b"#!/bin/sh\n"
        info = tarfile.TarInfo("Python-3.13.5/configure")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def fake_archive(payload: bytes, index_sha: str):
    mirror = "http://mirror.invalid/debian"
    sources = "Package: other\nVersion: 1\n\n" + STANZA.format(
        dsc="0" * 64, sha=index_sha, size=len(payload))
    pages = {
        f"{mirror}/dists/trixie/main/source/Sources.xz": lzma.compress(sources.encode()),
        f"{mirror}/pool/main/p/python3.13/python3.13_3.13.5.orig.tar.xz": payload,
    }

    def fetcher(url):
        if url not in pages:
            raise ts.SourceUnavailable(f"404 {url}")
        return pages[url]
    return mirror, fetcher


def test_debian_index_gives_version_url_and_sha(monkeypatch):
    payload = tiny_tarball()
    mirror, fetcher = fake_archive(payload, hashlib.sha256(payload).hexdigest())
    tarball = ts.debian_tarball("3.13", fetcher=fetcher, mirrors=[mirror])
    assert tarball.version == "3.13.5" and tarball.source == "debian"
    assert tarball.url.endswith("pool/main/p/python3.13/python3.13_3.13.5.orig.tar.xz")
    assert tarball.sha256 == hashlib.sha256(payload).hexdigest()


def test_corrupted_tarball_is_refused_and_not_written(tmp_path, monkeypatch):
    payload = tiny_tarball()
    mirror, fetcher = fake_archive(payload, hashlib.sha256(payload).hexdigest())
    tarball = ts.debian_tarball("3.13", fetcher=fetcher, mirrors=[mirror])
    corrupted = payload[:-10] + b"0123456789"
    monkeypatch.setattr(ts, "fetch", lambda url: corrupted)
    with pytest.raises(ts.ChecksumMismatch, match="refusing"):
        ts.download(tarball, tmp_path, log=lambda m: None)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(ts, "fetch", lambda url: payload)
    assert ts.download(tarball, tmp_path, log=lambda m: None).read_bytes() == payload


def test_tarball_without_checksum_is_refused():
    tarball = ts.Tarball("python.org", "3.13.5", "http://x.invalid/Python-3.13.5.tar.xz", None)
    with pytest.raises(ts.ChecksumMismatch, match="no checksum"):
        ts.verify(tarball, b"anything")


def test_sources_are_tried_in_order_and_failures_reported():
    calls, logs = [], []

    def down(minor, version=None):
        calls.append("python.org")
        raise ts.SourceUnavailable("no network")

    def up(minor, version=None):
        calls.append("debian")
        return ts.Tarball("debian", "3.13.5", "http://x.invalid/a.orig.tar.xz", "ab")

    found = ts.find_tarball("3.13", order=["python.org", "debian"],
                            sources={"python.org": down, "debian": up}, log=logs.append)
    assert calls == ["python.org", "debian"] and found.source == "debian"
    assert any("python.org unavailable: no network" in line for line in logs)
    with pytest.raises(ts.SourceUnavailable, match="no source has CPython 3.13"):
        ts.find_tarball("3.13", order=["python.org"], sources={"python.org": down},
                        log=logs.append)


def test_source_order_is_configurable(monkeypatch):
    monkeypatch.setenv("GILCOMPAT_SOURCES", "debian")
    assert ts.source_order() == ["debian"]
    monkeypatch.setenv("GILCOMPAT_SOURCES", "debian,ftp")
    with pytest.raises(ValueError, match="GILCOMPAT_SOURCES"):
        ts.source_order()


def test_apt_mirrors_read_from_both_formats(tmp_path):
    (tmp_path / "debian.sources").write_text(
        "Types: deb\nURIs: http://one.invalid/debian\nSuites: bookworm\n\n"
        "Types: deb\nURIs: http://one.invalid/debian-security\nSuites: bookworm-security\n")
    (tmp_path / "extra.list").write_text(
        "deb [arch=amd64] http://two.invalid/debian bookworm main\n"
        "deb https://elsewhere.invalid/apt stable main\n")
    assert ts.apt_mirrors([tmp_path]) == ["http://one.invalid/debian",
                                          "http://two.invalid/debian"]


def _suites_serving(versions):
    """A fake archive whose suites each serve one python3.13 release."""
    mirror, pages = "http://mirror.invalid/debian", {}
    for suite, version in versions.items():
        stanza = (f"Package: python3.13\nVersion: {version}-1\nDirectory: pool/main/p/python3.13\n"
                  f"Checksums-Sha256:\n {'a' * 64} 10 python3.13_{version}.orig.tar.xz\n")
        pages[f"{mirror}/dists/{suite}/main/source/Sources.xz"] = lzma.compress(stanza.encode())

    def fetcher(url):
        if url not in pages:
            raise ts.SourceUnavailable(f"404 {url}")
        return pages[url]
    return mirror, fetcher


def test_debian_takes_the_newest_release_any_suite_serves():
    mirror, fetcher = _suites_serving({"trixie": "3.13.5", "forky": "3.13.15", "sid": "3.13.9"})
    assert ts.debian_tarball("3.13", fetcher=fetcher, mirrors=[mirror]).version == "3.13.15"


def test_debian_pins_a_release_and_names_what_it_serves_when_it_cannot():
    mirror, fetcher = _suites_serving({"trixie": "3.13.5", "forky": "3.13.15"})
    pinned = ts.debian_tarball("3.13", fetcher=fetcher, mirrors=[mirror], version="3.13.5")
    assert pinned.version == "3.13.5" and pinned.url.endswith("python3.13_3.13.5.orig.tar.xz")
    with pytest.raises(ts.SourceUnavailable, match=r"no CPython 3\.13\.7 .*3\.13\.5, 3\.13\.15"):
        ts.debian_tarball("3.13", fetcher=fetcher, mirrors=[mirror], version="3.13.7")


def test_find_tarball_takes_the_newest_across_sources():
    def older(minor, version=None):
        return ts.Tarball("python.org", "3.13.9", "http://x.invalid/Python-3.13.9.tar.xz", "ab")

    def newer(minor, version=None):
        return ts.Tarball("debian", "3.13.15", "http://x.invalid/b.orig.tar.xz", "cd")

    found = ts.find_tarball("3.13", order=["python.org", "debian"],
                            sources={"python.org": older, "debian": newer}, log=lambda m: None)
    assert found.version == "3.13.15"
