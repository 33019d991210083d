"""Time a one-cell run against a hand-written script doing the same work.

Run by hand (never by the tests):

    python bench/one_cell.py --python EXE [--pairs 7]

The cell: ``gilcompat run --python EXE --case global_counter --face capi-optin --mode
default``, timed as a user runs it (a fresh ``python -m gilcompat`` process). The
script: EXE itself loads the same built module, sets the same spin, runs four threads of
50,000 increments and checks the counter, once (one round, as the cell's first round
breaks on a free-threaded build). Runs alternate, ``--pairs`` times; prints each
median and the ratio cell / script (the target is at most 3).
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPT = """
import importlib.machinery, importlib.util, sys, threading
loader = importlib.machinery.ExtensionFileLoader({module!r}, {path!r})
spec = importlib.util.spec_from_file_location({module!r}, {path!r}, loader=loader)
m = importlib.util.module_from_spec(spec); loader.exec_module(m)
m.gilcompat_set_spin(100); m.gc_reset()
threads = [threading.Thread(target=m.gc_increment, args=(50000,)) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print(m.gc_value(), "of", 200000)
"""


def built_module(python: str) -> tuple:
    """(shared object, capi-optin module name) of global_counter for ``python``."""
    from gilcompat.build.cached_build import ensure_built
    from gilcompat.build.names import module_names
    from gilcompat.corpus.cases import corpus_root, load_cases
    from gilcompat.pythons.interpreter import probe
    from gilcompat.pythons.venvs import prepared
    case = next(c for c in load_cases([corpus_root()])[0] if c.name == "global_counter")
    build = ensure_built(case, prepared(probe(python), log=lambda _: None))
    return str(build.shared_object), module_names(build.module)["capi-optin"]


def timed(argv) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", required=True)
    parser.add_argument("--pairs", type=int, default=7)
    args = parser.parse_args()
    path, module = built_module(args.python)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "by_hand.py"
        script.write_text(SCRIPT.format(module=module, path=path))
        cell = [sys.executable, "-m", "gilcompat", "run", "--python", args.python,
                "--case", "global_counter", "--face", "capi-optin", "--mode", "default",
                "--json", str(Path(tmp) / "out.json")]
        timed(cell)     # warm: the probe cache and the venv check
        cells, scripts = [], []
        for _ in range(args.pairs):
            cells.append(timed(cell))
            scripts.append(timed([args.python, str(script)]))
    c, s = statistics.median(cells), statistics.median(scripts)
    print(f"one cell: median {c:.3f} s; hand-written script: median {s:.3f} s; "
          f"ratio {c / s:.1f} (target <= 3), {args.pairs} pairs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
