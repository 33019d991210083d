"""The command line, end to end, as a user runs it."""

import json
import subprocess
import sys

from conftest import FIXTURE_CASES


def gilcompat(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "gilcompat", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


def test_list_json_has_every_case_with_metadata():
    proc = gilcompat("list", "--json")
    data = json.loads(proc.stdout)
    names = {c["name"] for c in data["cases"]}
    assert "global_counter" in names and proc.returncode == 0, proc.stderr
    entry = next(c for c in data["cases"] if c["name"] == "global_counter")
    assert entry["category"] == "gil-reliant" and entry["functions"]


def test_run_writes_schema_1_results_and_prints_the_table(tmp_path):
    out = tmp_path / "r.json"
    proc = gilcompat("run", "--case", "global_counter", "--json", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    assert data["schema"] == 1 and data["interpreters"][0]["cffi_version"]
    faces = {c["face"] for c in data["cells"]}
    assert faces == {"cffi", "capi", "capi-optin"}
    for cell in data["cells"]:
        for key in ("interpreter", "case", "category", "face", "mode", "outcome",
                    "gil_enabled", "expected", "verdict", "evidence", "rounds", "duration_s"):
            assert key in cell
    assert "case" in proc.stdout and "verdict" in proc.stdout and "global_counter" in proc.stdout


def test_run_exits_1_when_a_verdict_is_not_ok_and_keeps_going_past_bad_cases(tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    for name in ("compile_error", "crash_on_call"):
        (cases / name).symlink_to(FIXTURE_CASES / name)
    (cases / "broken_toml").mkdir()
    (cases / "broken_toml" / "case.toml").write_text("name = 'broken_toml'\ncategory = 1\n")
    out = tmp_path / "r.json"
    proc = gilcompat("run", "--cases-dir", str(cases), "--face", "cffi", "--json", str(out))
    assert proc.returncode == 1
    assert "broken_toml/case.toml: field 'category'" in proc.stderr
    outcomes = {c["case"]: c["outcome"] for c in json.loads(out.read_text())["cells"]}
    assert outcomes == {"compile_error": "error", "crash_on_call": "crashed"}


def test_unknown_case_is_a_clear_error():
    proc = gilcompat("run", "--case", "no_such_case", "--json", "/dev/null")
    assert proc.returncode != 0 and "no case named no_such_case" in proc.stderr


def test_catalog_page_is_up_to_date():
    """docs/catalog.md is generated from the cases: regenerate it with
    `gilcompat list --md > docs/catalog.md` when this fails."""
    from pathlib import Path
    proc = gilcompat("list", "--md")
    page = Path(__file__).resolve().parent.parent / "docs" / "catalog.md"
    assert proc.returncode == 0, proc.stderr
    assert page.read_text() == proc.stdout, "docs/catalog.md is out of date"


def test_a_first_run_builds_ahead_of_its_cells_on_one_progress_line(tmp_path):
    """In an empty cache every build is a compile; the build phase reports as one line
    per tenth (not a terminal here), ending with the count of what it compiled."""
    import os
    env = {**os.environ, "GILCOMPAT_CACHE": str(tmp_path / "cache")}
    out = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-m", "gilcompat", "run", "--case", "global_counter",
                           "--case", "lazy_init", "--face", "capi", "--json", str(out)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "builds 2/2 (2 compiled)" in proc.stderr
    assert {c["verdict"] for c in json.loads(out.read_text())["cells"]} <= {"ok", "skipped"}
