"""The hazard coverage table (docs/coverage.md) and the file it comes from
(compat/gilcompat/corpus/hazards.toml): up to date, naming only what exists, and a bad
file refused with the file and the field named."""

import subprocess
import sys
from pathlib import Path

import pytest

from gilcompat.authors.scan_patterns import PATTERNS
from gilcompat.corpus.cases import corpus_root, load_cases
from gilcompat.corpus.coverage import load_hazards, render

PAGE = Path(__file__).resolve().parent.parent / "docs" / "coverage.md"


@pytest.fixture(scope="module")
def corpus():
    return load_cases([corpus_root()])[0]


def test_coverage_page_is_up_to_date():
    """docs/coverage.md is generated: regenerate it with
    `gilcompat list --coverage > docs/coverage.md` when this fails."""
    proc = subprocess.run([sys.executable, "-m", "gilcompat", "list", "--coverage"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert PAGE.read_text() == proc.stdout, "docs/coverage.md is out of date"


def test_every_hazard_names_existing_cases_and_scan_patterns(corpus):
    hazards, errors = load_hazards(corpus)
    assert not errors, "\n".join(map(str, errors))
    names = {c.name for c in corpus}
    assert hazards and len({h.id for h in hazards}) == len(hazards)
    for hazard in hazards:
        assert set(hazard.cases) <= names, hazard.id
        assert set(hazard.scan) <= set(PATTERNS), hazard.id
        assert (hazard.not_covered is not None) == (not hazard.cases and not hazard.scan)


def test_the_count_line_adds_up(corpus):
    hazards, _ = load_hazards(corpus)
    page = render(hazards)
    line = next(l for l in page.splitlines() if l.endswith(" not covered."))
    numbers = [int(word) for word in line.replace(":", "").replace(",", "").split()
               if word.isdigit()]
    assert numbers[0] == len(hazards) == sum(numbers[1:]), line
    assert page.count("\n| ") == len(hazards) + 1     # the header, then one row each


GOOD = '''
[[hazard]]
id = "fine"
hazard = "A hazard."
source = "https://docs.python.org/3/howto/free-threading-extensions.html#borrowed-references"
cases = ["list_borrowed_item"]
scan = ["borrowed-list-item"]
'''


@pytest.mark.parametrize("entry, field, message", [
    ('cases = ["no_such_case"]\nscan = []', "cases", "no corpus case named no_such_case"),
    ('cases = []\nscan = ["no-such-pattern"]', "scan", "no scan pattern named no-such-pattern"),
    ('cases = []\nscan = []', "not_covered", "is missing"),
    ('cases = ["global_counter"]\nscan = []\nnot_covered = "why"', "not_covered",
     "is given, but the hazard is case only"),
    ('scan = []', "cases", "is missing"),
    ('cases = []\nscan = []\nnot_covered = "x"\nseverity = 3', "severity",
     "is not a hazard field"),
])
def test_a_bad_hazard_is_an_error_naming_the_file_and_the_field(corpus, tmp_path, entry,
                                                                field, message):
    path = tmp_path / "hazards.toml"
    path.write_text(GOOD + f'''
[[hazard]]
id = "bad"
hazard = "Another."
source = "https://py-free-threading.github.io/porting-extensions/#dealing-with-global-state"
{entry}
''')
    hazards, errors = load_hazards(corpus, path)
    assert [h.id for h in hazards] == ["fine"]      # the good one still loads
    assert len(errors) == 1, errors
    text = str(errors[0])
    assert text.startswith(f"{path}: hazard 'bad': field '{field}': "), text
    assert message in text


def test_a_source_without_its_section_and_a_repeated_id_are_errors(corpus, tmp_path):
    path = tmp_path / "hazards.toml"
    path.write_text(GOOD + GOOD.replace("#borrowed-references", "") + GOOD)
    _, errors = load_hazards(corpus, path)
    assert [(e.hazard, e.field) for e in errors] == [("'fine'", "source"), ("'fine'", "id")]
    assert all(str(e).startswith(str(path)) for e in errors)


def test_a_file_that_is_not_toml_is_an_error_naming_it(corpus, tmp_path):
    path = tmp_path / "hazards.toml"
    path.write_text("[[hazard]\nid = ")
    hazards, errors = load_hazards(corpus, path)
    assert not hazards and len(errors) == 1
    assert str(errors[0]).startswith(f"{path}: cannot be read: ")
