"""The build cache: two processes building the same case at once both get one good,
loadable shared object; the key changes with the sources."""

import subprocess
import sys
import textwrap

from gilcompat.build.cached_build import build_key, ensure_built
from gilcompat.corpus.cases import corpus_root, load_case

_BUILD_IN_CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from gilcompat.build.cached_build import ensure_built
    from gilcompat.corpus.cases import load_case
    from gilcompat.pythons.interpreter import probe
    build = ensure_built(load_case(Path(sys.argv[1])), probe(sys.executable))
    print(build.shared_object if build.ok else "FAILED " + build.error)
""")


def test_two_processes_building_at_once_share_one_good_build(tmp_path, monkeypatch):
    monkeypatch.setenv("GILCOMPAT_CACHE", str(tmp_path / "cache"))
    folder = corpus_root() / "global_counter"
    procs = [subprocess.Popen([sys.executable, "-c", _BUILD_IN_CHILD, str(folder)],
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert outputs[0] == outputs[1] and not outputs[0].startswith("FAILED")
    builds = [p for p in (tmp_path / "cache" / "builds").iterdir() if not p.name.startswith(".")]
    assert len(builds) == 1, "one published build, no half-written leftovers"
    check = subprocess.run([sys.executable, "-c",
                            "import importlib.machinery as m, sys;"
                            "m.ExtensionFileLoader('_gilcompat_global_counter_capi', sys.argv[1])"
                            ".load_module().gc_value()", outputs[0]])
    assert check.returncode == 0


def test_key_follows_the_sources(tmp_path, host):
    source = corpus_root() / "global_counter"
    copy = tmp_path / "global_counter"
    copy.mkdir()
    for path in source.iterdir():
        if path.is_file():
            (copy / path.name).write_bytes(path.read_bytes())
    before = build_key(load_case(copy), host)
    with open(copy / "global_counter.c", "a") as handle:
        handle.write("\n/* changed */\n")
    assert build_key(load_case(copy), host) != before
