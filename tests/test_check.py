"""gilcompat check on an author's case folders written outside this repository: the
break shows on free-threaded 3.13 with the GIL off, the fixed version passes."""

import json
import subprocess
import sys
import textwrap

import pytest

from test_report import free_threaded

BROKEN_C = """
/* hits: a hit counter kept the GIL-era way. */
#include "gilcompat.h"
static long hits;
void hits_reset(void) { GC_ENTER(); hits = 0; GC_EXIT(); }
void hits_add(long times)
{
    for (long i = 0; i < times; i++) {
        GC_ENTER();
        long seen = hits;
        GC_SPIN();
        hits = seen + 1;
        GC_EXIT();
    }
}
long hits_value(void) { return hits; }
"""
FIXED_C = """
/* hits_fixed: the hit counter, updated atomically. */
#include "gilcompat.h"
static _Atomic long hits;
void hits_reset(void) { hits = 0; }
void hits_add(long times)
{
    for (long i = 0; i < times; i++) {
        GC_SPIN();
        __atomic_fetch_add(&hits, 1, __ATOMIC_RELAXED);
    }
}
long hits_value(void) { return hits; }
"""
SCENARIO = """
def setup(ext):
    ext.hits_reset()

def work(ext, state, thread_index, iterations):
    ext.hits_add(iterations)
    return iterations

def check(ext, state, returns):
    lost = sum(returns) - ext.hits_value()
    return f"{lost} hits lost" if lost else None
"""


def write_case(root, name, source):
    folder = root / name
    folder.mkdir()
    (folder / f"{name}.c").write_text(source)
    (folder / "scenario.py").write_text(SCENARIO)
    (folder / "case.toml").write_text(textwrap.dedent(f"""
        name = "{name}"
        guarantee = "Every hit is counted."
        functions = ["void hits_reset(void);", "void hits_add(long times);",
                     "long hits_value(void);"]
        [stress]
        iterations = 50000
        """))


def test_check_reports_the_break_and_passes_the_fix(request, tmp_path):
    ft = free_threaded(request.config)
    write_case(tmp_path, "hits", BROKEN_C)
    write_case(tmp_path, "hits_fixed", FIXED_C)
    out = tmp_path / "check.json"
    proc = subprocess.run([sys.executable, "-m", "gilcompat", "check", str(tmp_path),
                           "--python", sys.executable, "--python", ft.executable,
                           "--json", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    cells = json.loads(out.read_text())["cells"]
    broken = {(c["face"], c["mode"]) for c in cells
              if c["case"] == "hits" and c["verdict"] == "violation"}
    assert ("capi", "gil0") in broken and ("capi-optin", "default") in broken
    assert all(c["gil_enabled"] is False for c in cells
               if c["case"] == "hits" and c["verdict"] == "violation")
    assert all(c["verdict"] == "ok" for c in cells if c["case"] == "hits_fixed")
    assert all(c["verdict"] == "ok" for c in cells if c["gil_enabled"])
    assert "extensions/global_counter" in proc.stdout and "hits lost" in proc.stdout


def test_check_on_a_folder_without_cases_is_a_clear_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "gilcompat", "check", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "no case folder" in proc.stderr
