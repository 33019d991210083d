"""Time a whole run on one interpreter against that interpreter's start-up time.

Run by hand (never by the tests):

    python bench/whole_run.py [--python EXE] [--repeat 3] [--jobs 1]

Prints cells, seconds, the interpreter's start-up time (median of 20 bare
``EXE -c pass`` runs) and the ratio seconds / (cells x start-up). The target is a
ratio of at most 3: a whole run costs at most three interpreter start-ups per cell.
Builds are warmed first, so what is timed is the running of cells, not compiling.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def startup_seconds(python: str, runs: int = 20) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([python, "-c", "pass"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def whole_run(python: str, jobs: int, out: Path) -> tuple:
    cmd = [sys.executable, "-m", "gilcompat", "run", "--python", python,
           "--jobs", str(jobs), "--json", str(out)]
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    cells = json.loads(out.read_text())["cells"]
    ran = [c for c in cells if c["outcome"] != "skipped"]
    slowest = max(ran, key=lambda c: c["duration_s"]) if ran else None
    return len(ran), seconds, slowest


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results.json"
        whole_run(args.python, args.jobs, out)                    # warm the build cache
        runs = [whole_run(args.python, args.jobs, out) for _ in range(args.repeat)]
    cells = runs[0][0]
    seconds = statistics.median(r[1] for r in runs)
    startup = startup_seconds(args.python)
    slowest = runs[-1][2]
    print(f"interpreter   {args.python}")
    print(f"cells         {cells} (skipped cells not counted)")
    print(f"seconds       {seconds:.2f} (median of {args.repeat} whole runs, jobs={args.jobs})")
    print(f"start-up      {startup * 1000:.1f} ms (median of 20 bare starts)")
    print(f"per cell      {seconds / max(cells, 1) * 1000:.1f} ms")
    print(f"ratio         {seconds / max(cells * startup, 1e-9):.2f} start-ups per cell "
          f"(target <= 3)")
    if slowest:
        print(f"slowest cell  {slowest['case']} {slowest['face']} {slowest['mode']} "
              f"{slowest['duration_s']:.2f} s ({slowest['outcome']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
