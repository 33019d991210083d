"""Source selection, the Debian index, apt's mirror, and checksum refusal, offline:
the 'network' is a dict of URL -> bytes, the tarball a real (small) xz archive."""

import hashlib
import io
import lzma
import tarfile

import pytest

from compat import tarball_sources as ts

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

    def down(minor):
        calls.append("python.org")
        raise ts.SourceUnavailable("no network")

    def up(minor):
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
