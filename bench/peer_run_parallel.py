"""The gil-reliant scenarios as pytest tests under pytest-run-parallel, beside gilcompat.

Run by hand (never by the tests), on free-threaded 3.13:

    python bench/peer_run_parallel.py --python EXE [--runs 20] [--case NAME ...]

For each gil-reliant case: one test file whose fixture does the scenario's setup (and,
at teardown, its check, as an assertion) and whose test body, run by
pytest-run-parallel in the case's number of threads (one iteration: one round), is the
scenario's work, on the case's capi-optin module (it declares Py_MOD_GIL_NOT_USED),
with PYTHON_GIL=0. It runs ``--runs`` times; so does the gilcompat cell capi/gil0.
Prints per case: seconds per run, and how many runs caught the break, for each tool.
pytest and pytest-run-parallel go into a venv of their own in the per-user cache.

What the peer cannot judge, whatever its rate: the per-module opt-in rule (it never
measures whether the GIL is on, nor which import turned it on), and a crash (the
pytest process dies: the run counts as caught, with no report of the phase).
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gilcompat import cache
from gilcompat.build.cached_build import ensure_built
from gilcompat.corpus.cases import corpus_root, load_cases
from gilcompat.pythons.interpreter import probe
from gilcompat.pythons.venvs import prepared
from gilcompat.run.cell_run import face_names, run_cell

COMPAT = Path(__file__).resolve().parent.parent / "compat"

TEST_FILE = '''
import itertools, threading
import pytest
from gilcompat.child import gil_state
from gilcompat.child.faces import load_face
from gilcompat.child.stress import load_scenario

gil_state.MEASURED = False      # PYTHON_GIL=0 and an opted-in module: what the cell measures
EXT, _ = load_face({so!r}, "capi-optin", {names!r}, {functions!r})
EXT.set_spin({spin}); EXT.threads = {threads}
SCENARIO = load_scenario({scenario!r}, {case!r})


@pytest.fixture
def round_state():
    setup = getattr(SCENARIO, "setup", lambda ext: None)
    box = {{"state": setup(EXT), "returns": {{}}, "index": itertools.count(),
            "lock": threading.Lock()}}
    yield box
    returns = [box["returns"].get(i) for i in range({threads})]
    evidence = SCENARIO.check(EXT, box["state"], returns)
    assert evidence is None, evidence


@pytest.mark.parallel_threads({threads})
def test_{case}(round_state):
    with round_state["lock"]:
        index = next(round_state["index"])
    round_state["returns"][index] = SCENARIO.work(EXT, round_state["state"], index, {iterations})
'''


def peer_venv(python: str) -> Path:
    folder = cache.cache_dir("venvs") / ("peer-" + hashlib.sha256(
        os.path.realpath(python).encode()).hexdigest()[:12])
    if not (folder / ".ready").exists():
        subprocess.run([python, "-m", "venv", "--clear", str(folder)], check=True)
        subprocess.run([str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", "pytest", "pytest-run-parallel"],
                       check=True)
        (folder / ".ready").write_text("")
    return folder / "bin" / "python"


def write_test(case, build, folder: Path) -> Path:
    path = folder / f"test_{case.name}.py"
    path.write_text(TEST_FILE.format(
        so=str(build.shared_object), names=face_names(build.module)["capi-optin"],
        functions=[{"name": f.name, "objects": [p.ctype.is_object for p in f.params],
                    "returns_string": f.result.is_string} for f in case.functions],
        spin=case.stress.spin, threads=case.stress.threads, scenario=str(case.scenario_path),
        case=case.name, iterations=case.stress.iterations))
    return path


def peer_runs(python: Path, test: Path, runs: int) -> tuple:
    """(seconds per run, runs that failed or crashed)."""
    env = {**os.environ, "PYTHON_GIL": "0", "PYTHONPATH": str(COMPAT)}
    caught, start = 0, time.perf_counter()
    for _ in range(runs):
        proc = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               "--iterations=1", str(test)], env=env, cwd=test.parent,
                              capture_output=True, text=True, timeout=120)
        caught += proc.returncode != 0
    return (time.perf_counter() - start) / runs, caught


def cell_runs(case, build, interp, runs: int) -> tuple:
    caught, start = 0, time.perf_counter()
    for _ in range(runs):
        cell = run_cell(case, build, interp, "capi", "gil0")
        caught += cell.outcome in ("broken", "crashed", "hung")
    return (time.perf_counter() - start) / runs, caught


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--case", action="append", default=[])
    args = parser.parse_args()
    interp = prepared(probe(args.python))
    peer = peer_venv(args.python)
    cases = [c for c in load_cases([corpus_root()])[0]
             if (c.name in args.case if args.case else c.category == "gil-reliant")]
    print(f"{'case':28} {'peer s/run':>10} {'peer caught':>12} {'cell s/run':>10} "
          f"{'cell caught':>12}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            build = ensure_built(case, interp)
            if not build.ok:
                continue
            test = write_test(case, build, Path(tmp))
            p_s, p_caught = peer_runs(peer, test, args.runs)
            c_s, c_caught = cell_runs(case, build, interp, args.runs)
            rows.append([case.name, p_s, p_caught, c_s, c_caught])
            print(f"{case.name:28} {p_s:10.2f} {p_caught:>9}/{args.runs} {c_s:10.2f} "
                  f"{c_caught:>9}/{args.runs}", flush=True)
    print(json.dumps({"runs": args.runs, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
