"""The hazard coverage table as Markdown (``gilcompat list --coverage``; kept in
docs/coverage.md, checked by a test).

``hazards.toml`` beside this file names each hazard the free-threading porting guide and
the C-API howto describe, with the corpus cases that show it (breaking, or its fix) and
the ``gilcompat scan`` patterns that find it; a hazard with neither says why. Loading
checks every name against the loaded corpus and ``scan_patterns.PATTERNS``.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Optional, Tuple

from gilcompat.authors.scan_patterns import PATTERNS
from gilcompat.corpus.cases import Case, tomllib
from gilcompat.corpus.catalog import _cell

HAZARDS_FILE = Path(__file__).with_name("hazards.toml")

REQUIRED = ("id", "hazard", "source", "cases", "scan")
OPTIONAL = ("not_covered", "note")
ID = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
URL = re.compile(r"https?://\S+#\S+\Z")     # a page and its section

STATUSES = ("covered", "scan only", "case only", "not covered")


@dataclass(frozen=True)
class Hazard:
    id: str
    hazard: str
    source: str
    cases: Tuple[str, ...]
    scan: Tuple[str, ...]
    not_covered: Optional[str] = None
    note: Optional[str] = None

    @property
    def status(self) -> str:
        if self.cases and self.scan:
            return "covered"
        if self.scan:
            return "scan only"
        return "case only" if self.cases else "not covered"


@dataclass(frozen=True)
class HazardError:
    file: Path
    hazard: str       # its id, or its place ("#3") when the id is missing or bad
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}" + (f": hazard {self.hazard}" if self.hazard else "")
        where += f": field '{self.field}'" if self.field else ""
        return f"{where}: {self.message}"


class _Invalid(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _text(entry: dict, key: str) -> str:
    value = entry[key]
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(key, "must be a non-empty string")
    if "\n" in value.strip():
        raise _Invalid(key, "must be one line")
    return value.strip()


def _names(entry: dict, key: str, known: Iterable[str], what: str) -> Tuple[str, ...]:
    value = entry[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Invalid(key, "must be a list of strings")
    known = set(known)
    unknown = [v for v in value if v not in known]
    if unknown:
        raise _Invalid(key, f"no {what} named {', '.join(unknown)}")
    if len(set(value)) != len(value):
        raise _Invalid(key, "names one more than once")
    return tuple(value)


def _hazard(entry, case_names: Iterable[str]) -> Hazard:
    if not isinstance(entry, dict):
        raise _Invalid("", "must be a table ([[hazard]])")
    for key in REQUIRED:
        if key not in entry:
            raise _Invalid(key, "is missing")
    extra = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
    if extra:
        raise _Invalid(extra[0], f"is not a hazard field (known: "
                                 f"{', '.join(REQUIRED + OPTIONAL)})")
    if not isinstance(entry["id"], str) or not ID.match(entry["id"]):
        raise _Invalid("id", "must be lower-case letters, digits and '-'")
    source = _text(entry, "source")
    if not URL.match(source):
        raise _Invalid("source", "must be the page's URL with its section (#anchor)")
    hazard = Hazard(id=entry["id"], hazard=_text(entry, "hazard"), source=source,
                    cases=_names(entry, "cases", case_names, "corpus case"),
                    scan=_names(entry, "scan", PATTERNS, "scan pattern"),
                    not_covered=_text(entry, "not_covered") if "not_covered" in entry
                    else None,
                    note=_text(entry, "note") if "note" in entry else None)
    if hazard.status == "not covered" and hazard.not_covered is None:
        raise _Invalid("not_covered", "is missing: with no case and no scan pattern, "
                                      "say why it is not covered")
    if hazard.status != "not covered" and hazard.not_covered is not None:
        raise _Invalid("not_covered", f"is given, but the hazard is {hazard.status}")
    return hazard


def load_hazards(cases: List[Case], path: Path = HAZARDS_FILE
                 ) -> Tuple[List[Hazard], List[HazardError]]:
    """The hazards in ``path`` (in file order), checked against ``cases`` and the scan
    patterns; a malformed entry becomes a ``HazardError`` naming the file and field."""
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return [], [HazardError(path, "", "", f"cannot be read: {exc}")]
    errors: List[HazardError] = []
    extra = sorted(set(data) - {"hazard"})
    if extra:
        errors.append(HazardError(path, "", extra[0], "is not known: the file holds only "
                                                      "[[hazard]] tables"))
    entries = data.get("hazard", [])
    if not isinstance(entries, list) or not entries:
        return [], errors + [HazardError(path, "", "hazard", "no [[hazard]] tables")]
    hazards: List[Hazard] = []
    names = [c.name for c in cases]
    for place, entry in enumerate(entries, 1):
        label = entry.get("id") if isinstance(entry, dict) else None
        label = f"'{label}'" if isinstance(label, str) and ID.match(label) else f"#{place}"
        try:
            hazard = _hazard(entry, names)
        except _Invalid as exc:
            errors.append(HazardError(path, label, exc.field, exc.message))
            continue
        if hazard.id in {h.id for h in hazards}:
            errors.append(HazardError(path, label, "id", "is used by more than one hazard"))
            continue
        hazards.append(hazard)
    return hazards, errors


def _names_cell(names: Tuple[str, ...]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _source_cell(source: str) -> str:
    """``page § section``, linked: the page's last path part, the anchor in words."""
    page, _, section = source.partition("#")
    name = page.rstrip("/").rsplit("/", 1)[-1]
    name = name[:-len(".html")] if name.endswith(".html") else name
    return f"[{name} § {section.replace('-', ' ')}]({source})"


def render(hazards: List[Hazard]) -> str:
    counts = {s: sum(h.status == s for h in hazards) for s in STATUSES}
    lines = ["# Hazard coverage", "",
             "Generated by `gilcompat list --coverage` from "
             "`compat/gilcompat/corpus/hazards.toml`, the corpus and the scan patterns; "
             "do not edit.", "",
             "One row for each hazard the free-threading porting guide "
             "(<https://py-free-threading.github.io/porting/>, "
             "<https://py-free-threading.github.io/porting-extensions/>) and the C-API "
             "howto (<https://docs.python.org/3/howto/free-threading-extensions.html>) "
             "name: the corpus cases that show it (breaking, or its fix; see catalog.md), "
             "the `gilcompat scan` patterns that find it, or why neither does.", "",
             f"{len(hazards)} hazards: " + ", ".join(f"{counts[s]} {s}" for s in STATUSES)
             + ".", "",
             "| hazard | source | cases | scan | status |",
             "|---|---|---|---|---|"]
    for h in hazards:
        text = _cell(h.hazard) + (f" *({_cell(h.note)})*" if h.note else "")
        status = (f"not covered: {_cell(h.not_covered)}" if h.status == "not covered"
                  else h.status)
        lines.append(f"| {text} | {_source_cell(h.source)} | {_names_cell(h.cases)} | "
                     f"{_names_cell(h.scan)} | {status} |")
    return "\n".join(lines) + "\n"
