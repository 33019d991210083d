"""Cases: reading and validating ``case.toml`` without compiling or running anything.

A case folder holds ``case.toml`` (metadata), one or more ``.c`` files and
``scenario.py``. A malformed case becomes a ``CaseError`` naming its folder, file and
field; loading goes on with the other folders.
"""

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Tuple

from gilcompat.corpus.faces import FACES, matching
from gilcompat.corpus.signatures import DeclarationError, Function, parse_declaration

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10
    import tomli as tomllib

CATEGORIES = ("gil-reliant", "interpreter-guarantee", "never-guaranteed", "opted-in")
MODES = ("default", "gil0", "gil1", "subinterp")
OUTCOMES = ("holds", "broken", "crashed", "hung", "error", "skipped")
CASE_FILE = "case.toml"
SCENARIO_FILE = "scenario.py"


@dataclass(frozen=True)
class Stress:
    threads: int = 4
    iterations: int = 2000
    rounds: int = 5
    spin: int = 100
    timeout_s: float = 30.0
    idle_s: float = 0.15      # no CPU progress this long with every thread asleep: hung


@dataclass(frozen=True)
class Expectation:
    """An override of the category's expected outcome; unset fields match anything.
    ``face`` may be a pattern (``capi*``: every C-API face)."""
    outcome: str
    why: str
    face: Optional[str] = None
    mode: Optional[str] = None
    gil: Optional[bool] = None
    implementation: Optional[str] = None
    python: Optional[str] = None     # a version or its prefix: "3.13" matches 3.13.x
    free_threaded: Optional[bool] = None    # the build (as declared), whatever the mode
    # A known bug that a cell shows only some of the time: a `holds` passes too (the
    # cells that did show it carry the evidence).
    intermittent: bool = False

    def matches(self, face: str, mode: str, gil: Optional[bool], implementation: str,
                version: str = "", free_threaded: Optional[bool] = None) -> bool:
        return ((self.face is None or face in matching(self.face))
                and (self.free_threaded is None or self.free_threaded == free_threaded)
                and (self.mode is None or self.mode == mode)
                and (self.gil is None or self.gil == gil)
                and (self.implementation is None or self.implementation == implementation)
                and (self.python is None or _version_in(version, self.python)))


def _version_in(version: str, prefix: str) -> bool:
    return version == prefix or version.startswith(prefix + ".")


@dataclass(frozen=True)
class Case:
    name: str
    folder: Path
    category: str
    guarantee: str
    breaks: str
    fix: str
    functions: Tuple[Function, ...]
    sources: Tuple[str, ...]
    stress: Stress = Stress()
    expectations: Tuple[Expectation, ...] = ()
    twins: Tuple[str, ...] = ()
    fixes: Tuple[str, ...] = ()
    references: Tuple[str, ...] = ()
    min_python: Tuple[int, int] = (3, 9)
    env: Tuple[Tuple[str, str], ...] = ()    # extra environment for the case's children
    # A twin family: the gil-reliant leader's folder, whose scenario, functions, stress
    # and shared C every member uses (so twins run the same test; see load_case):
    family_folder: Optional[Path] = None
    shared: Tuple[str, ...] = ()              # C files in the leader's folder, for all
    # Import the face while other threads already run C code (the GIL turned on mid-run):
    import_while_busy: bool = False
    # Its threads share only C state and plain returns, so each can run in its own
    # interpreter (the subinterp mode):
    subinterp: bool = False
    module_state: bool = False     # keeps its state per module (GC_MODULE_STATE)
    # Leaves its threads running into the child's interpreter finalization, which is
    # then one of the case's phases (a crash or hang there is the case's result):
    finalize: bool = False

    @property
    def family(self) -> Optional[str]:
        return self.family_folder.name if self.family_folder else None

    @property
    def home(self) -> Path:
        """Where the scenario and the shared C live: the family leader's folder."""
        return self.family_folder or self.folder

    @property
    def folders(self) -> Tuple[Path, ...]:
        """The folders holding the case's C (its own, and its family leader's)."""
        return tuple(dict.fromkeys([self.folder, self.home]))

    @property
    def scenario_path(self) -> Path:
        return self.home / SCENARIO_FILE

    @property
    def source_paths(self) -> List[Path]:
        return [self.folder / s for s in self.sources] + [self.home / s for s in self.shared]

    def summary(self) -> dict:
        """The metadata as plain data (for ``gilcompat list --json``)."""
        return {
            "name": self.name, "category": self.category, "guarantee": self.guarantee,
            "breaks": self.breaks, "fix": self.fix, "twins": list(self.twins),
            "fixes": list(self.fixes), "references": list(self.references),
            "min_python": "%d.%d" % self.min_python, "folder": str(self.folder),
            "functions": [f.declaration for f in self.functions],
            "stress": self.stress.__dict__.copy(),
            "expect": [e.__dict__.copy() for e in self.expectations],
            "env": dict(self.env), "import_while_busy": self.import_while_busy,
            "family": self.family, "shared": list(self.shared),
            "subinterp": self.subinterp, "module_state": self.module_state,
            "finalize": self.finalize,
        }


@dataclass(frozen=True)
class CaseError:
    folder: Path
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.folder / self.file}" + (f": field '{self.field}'" if self.field else "")
        return f"{where}: {self.message}"


class _Invalid(Exception):
    def __init__(self, file: str, field: str, message: str):
        super().__init__(message)
        self.file, self.field, self.message = file, field, message


# An author's own case (``gilcompat check``) may leave these out: by default it must
# hold in every build and mode, like an opted-in case.
AUTHOR_DEFAULTS = {"category": "opted-in", "breaks": "", "fix": ""}


def load_case(folder: Path, defaults: Optional[dict] = None) -> Case:
    """Load one case folder; raise ``_Invalid`` (wrapped by callers) when malformed.
    ``defaults`` fills fields the file leaves out (``AUTHOR_DEFAULTS`` for check)."""
    folder = folder.resolve()
    path = folder / CASE_FILE
    if not path.is_file():
        raise _Invalid(CASE_FILE, "", "missing: every case folder needs a case.toml")
    try:
        data = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _Invalid(CASE_FILE, "", f"not valid TOML: {exc}") from None
    reader = _Fields({**(defaults or {}), **data})
    name = reader.text("name")
    if name != folder.name:
        raise _Invalid(CASE_FILE, "name", f"is {name!r} but the folder is {folder.name!r}; "
                       "make them the same")
    category = reader.choice("category", CATEGORIES)
    home, family = _family(folder, name, data)
    functions = _functions(_Fields(family).list_of_text("functions", required=True))
    sources = tuple(reader.list_of_text("sources") or [f"{name}.c"])
    shared = tuple(_Fields(family).list_of_text("shared"))
    for key, where, names in (("sources", folder, sources), ("shared", home, shared)):
        for source in names:
            if not (where / source).is_file():
                raise _Invalid(CASE_FILE, key, f"names {source!r}, which is not in {where}")
    if not (home / SCENARIO_FILE).is_file():
        raise _Invalid(SCENARIO_FILE, "", "missing: every case needs a scenario.py")
    data = {**data, "stress": family.get("stress", {})}
    return Case(
        name=name, folder=folder, category=category,
        guarantee=reader.text("guarantee"), breaks=reader.text("breaks", optional=True),
        fix=reader.text("fix", optional=True), functions=functions, sources=sources,
        stress=_stress(data.get("stress", {})),
        expectations=tuple(_expectation(i, e) for i, e in enumerate(_table_list(data, "expect"))),
        twins=tuple(reader.list_of_text("twins")),
        fixes=tuple(reader.list_of_text("fixes")),
        references=tuple(reader.list_of_text("references")),
        min_python=_version(data.get("min_python", "3.9")),
        env=_env(data.get("env", {})),
        import_while_busy=_flag(data, "import_while_busy"),
        subinterp=_flag(data, "subinterp"), module_state=_flag(data, "module_state"),
        finalize=_flag(data, "finalize"),
        family_folder=home if home != folder else None, shared=shared,
    )


# What a family member takes from its leader, and must not say itself.
INHERITED = ("functions", "stress", "shared")


def _family(folder: Path, name: str, data: dict) -> Tuple[Path, dict]:
    """(the folder holding the case's scenario and shared C, the table its functions,
    stress and shared C come from): its own, or its family leader's."""
    leader = data.get("family", name)
    if not isinstance(leader, str) or not leader:
        raise _Invalid(CASE_FILE, "family", "must name the family's gil-reliant case")
    if leader == name:
        return folder, data
    for key in INHERITED:
        if key in data:
            raise _Invalid(CASE_FILE, key, f"comes from the family's case {leader!r}; "
                           "remove it here")
    if (folder / SCENARIO_FILE).exists():
        raise _Invalid(SCENARIO_FILE, "", f"the family's case {leader!r} holds the scenario; "
                       "remove this one")
    home = folder.parent / leader
    try:
        family = tomllib.loads((home / CASE_FILE).read_text())
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _Invalid(CASE_FILE, "family", f"names {leader!r}, whose {CASE_FILE} cannot be "
                       f"read: {exc}") from None
    if family.get("family", leader) != leader:
        raise _Invalid(CASE_FILE, "family", f"names {leader!r}, which is itself a member of "
                       f"{family['family']!r}: name the leader")
    return home, family


def load_cases(roots: List[Path], defaults: Optional[dict] = None,
               only: Optional[List[str]] = None) -> Tuple[List[Case], List[CaseError]]:
    """Every case under ``roots`` (a case folder or a folder of case folders); with
    ``only``, just the folders of those names (a case's folder is named as the case)."""
    cases: List[Case] = []
    errors: List[CaseError] = []
    for folder in case_folders(roots):
        if only and folder.name not in only:
            continue
        try:
            cases.append(load_case(folder, defaults))
        except _Invalid as exc:
            errors.append(CaseError(folder, exc.file, exc.field, exc.message))
    names = [c.name for c in cases]
    for case in cases:
        if names.count(case.name) > 1:
            errors.append(CaseError(case.folder, CASE_FILE, "name",
                                    f"{case.name!r} is used by more than one folder"))
    return cases, errors


def check_twins(cases: List[Case]) -> List[CaseError]:
    """Twins and fixes must name cases that exist (a corpus-wide check)."""
    known = {c.name for c in cases}
    errors = []
    for case in cases:
        for key, names in (("twins", case.twins), ("fixes", case.fixes)):
            for missing in sorted(set(names) - known):
                errors.append(CaseError(case.folder, CASE_FILE, key,
                                        f"names {missing!r}, which is not a case"))
    return errors


def case_folders(roots: List[Path]) -> List[Path]:
    folders = []
    for root in roots:
        if (root / CASE_FILE).exists():
            folders.append(root)
        elif root.is_dir():
            folders.extend(sorted(p for p in root.iterdir()
                                  if p.is_dir() and not p.name.startswith((".", "_"))))
    return folders


class _Fields:
    def __init__(self, data: dict):
        self.data = data

    def text(self, key: str, optional: bool = False) -> str:
        value = self.data.get(key)
        if optional and value == "":
            return ""
        if not isinstance(value, str) or not value.strip():
            raise _Invalid(CASE_FILE, key, "is required and must be a non-empty string")
        return value.strip()

    def choice(self, key: str, allowed) -> str:
        value = self.data.get(key)
        if value not in allowed:
            raise _Invalid(CASE_FILE, key, f"is {value!r}; must be one of {', '.join(allowed)}")
        return value

    def list_of_text(self, key: str, required: bool = False) -> List[str]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _Invalid(CASE_FILE, key, "must be a list of strings")
        if required and not value:
            raise _Invalid(CASE_FILE, key, "is required and must list at least one entry")
        return value


def _functions(declarations: List[str]) -> Tuple[Function, ...]:
    functions = []
    for index, text in enumerate(declarations):
        try:
            functions.append(parse_declaration(text))
        except DeclarationError as exc:
            raise _Invalid(CASE_FILE, f"functions[{index}]", str(exc)) from None
    return tuple(functions)


def _stress(table) -> Stress:
    if not isinstance(table, dict):
        raise _Invalid(CASE_FILE, "stress", "must be a table")
    defaults = Stress()
    values = {}
    for key, value in table.items():
        field_name = {"timeout": "timeout_s", "idle": "idle_s"}.get(key, key)
        if not hasattr(defaults, field_name):
            raise _Invalid(CASE_FILE, f"stress.{key}", "is not a stress setting "
                           "(threads, iterations, rounds, spin, timeout, idle)")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise _Invalid(CASE_FILE, f"stress.{key}", "must be a non-negative number")
        values[field_name] = type(getattr(defaults, field_name))(value)
    if values.get("threads", defaults.threads) < 1 or values.get("rounds", 1) < 1:
        raise _Invalid(CASE_FILE, "stress", "threads and rounds must be at least 1")
    return Stress(**values)


def _table_list(data: dict, key: str) -> list:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _Invalid(CASE_FILE, key, "must be an array of tables ([[expect]])")
    return value


def _expectation(index: int, table: dict) -> Expectation:
    where = f"expect[{index}]"
    known = {"outcome", "why", "face", "mode", "gil", "implementation", "python",
             "free_threaded", "intermittent"}
    for key in table:
        if key not in known:
            raise _Invalid(CASE_FILE, f"{where}.{key}", f"is unknown; use {', '.join(sorted(known))}")
    outcome = table.get("outcome")
    if outcome not in ("holds", "broken", "crashed", "hung"):
        raise _Invalid(CASE_FILE, f"{where}.outcome", "must be holds, broken, crashed or hung")
    if not isinstance(table.get("why"), str):
        raise _Invalid(CASE_FILE, f"{where}.why", "is required: say why this cell differs")
    face = table.get("face")
    if face is not None and not (isinstance(face, str) and matching(face)):
        raise _Invalid(CASE_FILE, f"{where}.face", f"must name a face or a pattern of faces "
                       f"(like \"capi*\"): {', '.join(FACES)}")
    if table.get("mode") not in (None,) + MODES:
        raise _Invalid(CASE_FILE, f"{where}.mode", f"must be one of {', '.join(MODES)}")
    if "gil" in table and not isinstance(table["gil"], bool):
        raise _Invalid(CASE_FILE, f"{where}.gil", "must be true or false (the measured GIL state)")
    if "free_threaded" in table and not isinstance(table["free_threaded"], bool):
        raise _Invalid(CASE_FILE, f"{where}.free_threaded", "must be true or false (the build)")
    intermittent = table.get("intermittent", False)
    if not isinstance(intermittent, bool) or (intermittent and outcome == "holds"):
        raise _Invalid(CASE_FILE, f"{where}.intermittent", "must be true or false, and "
                       "only with an outcome other than holds (a bug that shows sometimes)")
    python = table.get("python")
    if python is not None and not re.fullmatch(r"\d+(\.\d+){0,2}", str(python)):
        raise _Invalid(CASE_FILE, f"{where}.python", "must be a version or its prefix, "
                       "like \"3.13\" or \"3.13.5\"")
    return Expectation(outcome=outcome, why=table["why"], face=table.get("face"),
                       mode=table.get("mode"), gil=table.get("gil"),
                       implementation=table.get("implementation"), python=python,
                       free_threaded=table.get("free_threaded"), intermittent=intermittent)


def _flag(data: dict, key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise _Invalid(CASE_FILE, key, "must be true or false")
    return value


def _env(table) -> Tuple[Tuple[str, str], ...]:
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise _Invalid(CASE_FILE, "env", "must be a table of strings, like "
                       "env = { PYTHONMALLOC = \"debug\" }")
    if "PYTHON_GIL" in table:
        raise _Invalid(CASE_FILE, "env.PYTHON_GIL", "is set by the mode; remove it")
    return tuple(sorted(table.items()))


def _version(text) -> Tuple[int, int]:
    match = re.fullmatch(r"3\.(\d+)", str(text))
    if not match:
        raise _Invalid(CASE_FILE, "min_python", f"is {text!r}; write it like \"3.13\"")
    return (3, int(match.group(1)))


PACKAGE = Path(__file__).resolve().parent.parent


def corpus_root() -> Path:
    """The corpus shipped with gilcompat.

    An installed wheel carries it inside the package (``gilcompat/corpus/extensions``);
    a source checkout (editable install) has it at the repository's top, two folders
    above the package (``<repo>/compat/gilcompat``)."""
    packaged = PACKAGE / "corpus" / "extensions"
    if packaged.is_dir():
        return packaged
    return PACKAGE.parent.parent / "extensions"
