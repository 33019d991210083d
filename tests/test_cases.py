"""The case loader: good cases load; each malformed one names its folder, file and field,
and the others still load."""

import textwrap
from pathlib import Path

from gilcompat.corpus.cases import check_twins, load_cases

GOOD_TOML = """
name = "{name}"
category = "gil-reliant"
guarantee = "g"
breaks = "b"
fix = "f"
functions = ["long x_get(void);", "void x_put(PyObject *o, long n);"]
twins = []
[stress]
threads = 3
spin = 7
[[expect]]
face = "capi"
gil = true
outcome = "holds"
why = "because"
"""


def make_case(root: Path, name: str, toml: str, c_file: bool = True, scenario: bool = True):
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "case.toml").write_text(textwrap.dedent(toml).replace("{name}", name))
    if c_file:
        (folder / f"{name}.c").write_text("/* test */\n")
    if scenario:
        (folder / "scenario.py").write_text("def work(ext, s, i, n): pass\n"
                                            "def check(ext, s, r): return None\n")
    return folder


def test_good_case_loads_with_its_fields(tmp_path):
    make_case(tmp_path, "good", GOOD_TOML)
    cases, errors = load_cases([tmp_path])
    assert errors == []
    (case,) = cases
    assert case.stress.threads == 3 and case.stress.spin == 7
    assert [f.name for f in case.functions] == ["x_get", "x_put"]
    assert case.functions[1].takes_objects
    assert case.expectations[0].matches("capi", "default", True, "cpython")
    assert not case.expectations[0].matches("cffi", "default", True, "cpython")


def _single_error(tmp_path, name, toml, **kwargs):
    make_case(tmp_path, "fine", GOOD_TOML)
    make_case(tmp_path, name, toml, **kwargs)
    cases, errors = load_cases([tmp_path])
    assert [c.name for c in cases] == ["fine"], "the good case must still load"
    assert len(errors) == 1
    return errors[0]


def test_unknown_category_names_field(tmp_path):
    error = _single_error(tmp_path, "bad", GOOD_TOML.replace("gil-reliant", "gil-ish"))
    assert error.folder.name == "bad" and error.file == "case.toml"
    assert error.field == "category" and "gil-ish" in error.message
    assert "bad/case.toml: field 'category'" in str(error)


def test_unsupported_type_names_the_function_index(tmp_path):
    toml = GOOD_TOML.replace('"long x_get(void);"', '"struct foo *x_get(void);"')
    error = _single_error(tmp_path, "bad", toml)
    assert error.field == "functions[0]" and "struct foo" in error.message


def test_object_return_is_refused(tmp_path):
    toml = GOOD_TOML.replace('"long x_get(void);"', '"PyObject *x_get(void);"')
    error = _single_error(tmp_path, "bad", toml)
    assert error.field == "functions[0]" and "PyObject" in error.message


def test_invalid_toml(tmp_path):
    error = _single_error(tmp_path, "bad", "name = \n")
    assert error.file == "case.toml" and "TOML" in error.message


def test_missing_scenario_and_source(tmp_path):
    error = _single_error(tmp_path, "bad", GOOD_TOML, scenario=False)
    assert error.file == "scenario.py"
    error = _single_error(tmp_path / "two", "bad2", GOOD_TOML, c_file=False)
    assert error.field == "sources"


def test_bad_stress_and_expect_fields(tmp_path):
    error = _single_error(tmp_path, "bad", GOOD_TOML.replace("spin = 7", "spin = -1"))
    assert error.field == "stress.spin"
    error = _single_error(tmp_path / "b", "bad", GOOD_TOML.replace("spin = 7", "sping = 7"))
    assert error.field == "stress.sping"
    error = _single_error(tmp_path / "c", "bad", GOOD_TOML.replace('outcome = "holds"',
                                                                   'outcome = "fine"'))
    assert error.field == "expect[0].outcome"


def test_name_must_match_folder(tmp_path):
    folder = make_case(tmp_path, "folder_name", GOOD_TOML)
    (folder / "case.toml").write_text(GOOD_TOML.replace("{name}", "other"))
    cases, errors = load_cases([tmp_path])
    assert cases == [] and errors[0].field == "name"


def test_twins_must_exist(tmp_path):
    make_case(tmp_path, "lonely", GOOD_TOML.replace("twins = []", 'twins = ["ghost"]'))
    cases, errors = load_cases([tmp_path])
    assert errors == []
    (error,) = check_twins(cases)
    assert error.field == "twins" and "ghost" in error.message


def test_env_table_is_read_and_mode_variable_refused(tmp_path):
    make_case(tmp_path, "with_env", GOOD_TOML.replace("[stress]", 'env = { PYTHONMALLOC = "debug" }\n[stress]'))
    cases, errors = load_cases([tmp_path])
    assert errors == [] and cases[0].env == (("PYTHONMALLOC", "debug"),)
    error = _single_error(tmp_path / "b", "bad", GOOD_TOML.replace(
        "[stress]", 'env = { PYTHON_GIL = "0" }\n[stress]'))
    assert error.field == "env.PYTHON_GIL"


MEMBER_TOML = """
name = "{name}"
category = "opted-in"
guarantee = "g, fixed"
breaks = ""
fix = "this"
family = "leader"
"""


def test_a_family_member_runs_its_leaders_scenario_functions_stress_and_shared_c(tmp_path):
    leader = make_case(tmp_path, "leader", GOOD_TOML.replace("twins = []", 'twins = []\nshared = ["scaffold.c"]'))
    (leader / "scaffold.c").write_text("/* shared */\n")
    make_case(tmp_path, "leader_fixed", MEMBER_TOML, scenario=False)
    cases, errors = load_cases([tmp_path])
    assert errors == []
    by = {c.name: c for c in cases}
    member, head = by["leader_fixed"], by["leader"]
    assert member.family == "leader" and head.family is None
    assert member.scenario_path == head.scenario_path == leader / "scenario.py"
    assert member.functions == head.functions and member.stress == head.stress
    assert [p.name for p in member.source_paths] == ["leader_fixed.c", "scaffold.c"]
    assert [p.name for p in head.source_paths] == ["leader.c", "scaffold.c"]
    assert member.folders == (tmp_path / "leader_fixed", leader)


def test_a_family_member_may_not_say_what_it_inherits(tmp_path):
    make_case(tmp_path, "leader", GOOD_TOML)
    make_case(tmp_path, "own_functions",
              MEMBER_TOML + 'functions = ["long x_get(void);"]\n', scenario=False)
    make_case(tmp_path, "own_scenario", MEMBER_TOML)
    make_case(tmp_path, "no_leader", MEMBER_TOML.replace('"leader"', '"ghost"'),
              scenario=False)
    cases, errors = load_cases([tmp_path])
    found = {e.folder.name: (e.file, e.field, e.message) for e in errors}
    assert found["own_functions"][1] == "functions" and "leader" in found["own_functions"][2]
    assert found["own_scenario"][0] == "scenario.py"
    assert found["no_leader"][1] == "family" and "ghost" in found["no_leader"][2]
    assert [c.name for c in cases] == ["leader"]


def test_an_expectation_can_name_the_python_it_is_for(tmp_path):
    make_case(tmp_path, "versioned", GOOD_TOML.replace('why = "because"',
                                                       'why = "because"\npython = "3.13"'))
    make_case(tmp_path, "bad_version", GOOD_TOML.replace('why = "because"',
                                                         'why = "because"\npython = "new"'))
    cases, errors = load_cases([tmp_path])
    (case,) = cases
    expectation = case.expectations[0]
    assert expectation.matches("capi", "default", True, "cpython", "3.13.15")
    assert not expectation.matches("capi", "default", True, "cpython", "3.14.0")
    assert not expectation.matches("capi", "default", True, "cpython", "3.130.1")
    (error,) = errors
    assert error.field == "expect[0].python"


def test_intermittent_needs_a_breaking_outcome(tmp_path):
    make_case(tmp_path, "sometimes", GOOD_TOML.replace(
        'outcome = "holds"', 'outcome = "broken"\nintermittent = true'))
    make_case(tmp_path, "always_holds", GOOD_TOML.replace(
        'why = "because"', 'why = "because"\nintermittent = true'))
    cases, errors = load_cases([tmp_path])
    (case,) = cases
    assert case.expectations[0].intermittent
    (error,) = errors
    assert (error.file, error.field) == ("case.toml", "expect[0].intermittent")
