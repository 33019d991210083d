"""How ``gilcompat scan`` does on real extensions: bugs their maintainers fixed.

Run by hand (never by the tests):

    python bench/scan_realworld.py [--labels bench/scan_labels.toml] [--project NAME]

The labelled set (``bench/scan_labels.toml``) names, per project, an sdist version with
documented free-threading bugs and the first version with their fixes, and each bug
site: file, line, kind, the upstream link. The sources are not committed: both sdists
are downloaded with pip into the per-user cache (``~/.cache/gilcompat/scan-bench``) and
reused. The scanner then reads each version's listed files as one program, and this
prints, per project and in all:

- recall: bug sites with a finding within LINE_SLACK lines of the labelled line;
- precision: of the findings in files with a labelled bug, those on a bug site;
- noise: findings on no bug site, per 1,000 lines scanned (buggy versions), and not on
  a checked hazard either: a site the labels list as ``[[project.hazard]]``, a hazard the
  porting guide or the C-API howto names that upstream has not fixed (still there in the
  fixed version), checked by reading the code; those are counted beside the noise;
- survive: bug sites where the fixed version still has a finding at the fixed line
  (not counting a finding on a checked hazard's ``fixed_line``: a real hazard the fix
  kept beside the fixed line is not the fix's bug surviving).

Each is printed twice: at the line (a finding within LINE_SLACK lines of the label), and
per function (a finding anywhere in the function around the labelled line: a label marks
one line of a hazard, where the scanner may name another line of the same function's
race, mmh3's hasher updates for one).
"""

import argparse
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from gilcompat.authors.scan import Finding, _parser, is_cpp, scan_paths
from gilcompat.cache import cache_root

LABELS = Path(__file__).resolve().parent / "scan_labels.toml"
LINE_SLACK = 2          # a finding this close to the labelled line counts as on it


@dataclass(frozen=True)
class Bug:
    file: str
    line: int
    kind: str
    link: str
    fixed_line: Optional[int] = None
    note: str = ""


@dataclass
class Project:
    name: str
    buggy: str
    fixed: str
    files: List[str]
    bugs: List[Bug] = field(default_factory=list)
    hazards: List[Bug] = field(default_factory=list)    # real, documented, unfixed


@dataclass
class Score:
    sites: int = 0
    found: int = 0
    findings_in_bug_files: int = 0
    on_bug: int = 0
    noise: int = 0
    on_hazard: int = 0
    lines: int = 0
    fixed_sites: int = 0
    survive: int = 0

    def add(self, other: "Score") -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def row(self, name: str) -> str:
        recall = self.found / self.sites if self.sites else 0.0
        precision = self.on_bug / self.findings_in_bug_files if self.findings_in_bug_files else 1.0
        noise = 1000 * self.noise / self.lines if self.lines else 0.0
        return (f"| {name} | {self.found}/{self.sites} ({recall:.0%}) | "
                f"{self.on_bug}/{self.findings_in_bug_files} ({precision:.0%}) | "
                f"{noise:.2f} ({self.noise} in {self.lines} lines) | {self.on_hazard} | "
                f"{self.survive}/{self.fixed_sites} |")


def load_projects(path: Path) -> List[Project]:
    """The labelled set; a bad entry is an error naming the file and the field."""
    data = tomllib.loads(path.read_text())
    projects = []
    for i, table in enumerate(data.get("project", [])):
        where = f"{path}: project[{i}]"
        try:
            bugs, hazards = ([Bug(b["file"], int(b["line"]), b["kind"], b["link"],
                                  b.get("fixed_line"), b.get("note", ""))
                              for b in table.get(key, [])] for key in ("bug", "hazard"))
            projects.append(Project(table["name"], str(table["buggy"]), str(table["fixed"]),
                                    list(table["files"]), bugs, hazards))
        except KeyError as missing:
            raise SystemExit(f"{where}: field {missing} is required")
    return projects


def sources(name: str, version: str) -> Path:
    """The extracted sdist of ``name`` ``version`` (downloaded once, with pip)."""
    root = cache_root() / "scan-bench" / f"{name}-{version}"
    done = root / ".extracted"
    if done.exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    archive = _download(name, version, root)
    _extract(archive, root / "src")
    done.touch()
    return root


def _download(name: str, version: str, into: Path) -> Path:
    # pip prepares the sdist's metadata in an isolated build environment (its own
    # setuptools, wheel, ...): with --no-build-isolation the host's old setuptools
    # fails on several of these projects and pip then keeps no archive.
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--no-binary", ":all:", "-d", str(into),
                    f"{name}=={version}"], check=False, capture_output=True)
    found = [p for p in into.iterdir() if p.suffix in (".gz", ".zip", ".bz2", ".xz")]
    if not found:
        raise SystemExit(f"could not download the sdist of {name}=={version} with pip")
    return found[0]


def _extract(archive: Path, into: Path) -> None:
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as z:
            z.extractall(into)
    else:
        with tarfile.open(archive) as t:
            t.extractall(into, filter="data")


def _top(root: Path) -> Path:
    """The sdist's own top folder (``name-version/``)."""
    (top,) = [p for p in (root / "src").iterdir() if p.is_dir()]
    return top


def _function_span(path: Path, line: int) -> tuple:
    """(first, last) line of the function definition around ``line``, else the line."""
    tree = _parser(is_cpp(str(path))).parse(path.read_bytes())
    stack, span = [tree.root_node], (line, line)
    while stack:
        node = stack.pop()
        first, last = node.start_point[0] + 1, node.end_point[0] + 1
        if not first <= line <= last:
            continue
        if node.type == "function_definition":
            span = (first, last)
        stack.extend(node.children)
    return span


def _spans(bugs, root: Path, per_function: bool, fixed: bool) -> List[tuple]:
    """(file, first, last) per bug: its line and the slack, or its whole function."""
    spans = []
    for b in bugs:
        line = b.fixed_line if fixed else b.line
        if line is None:
            spans.append(None)
            continue
        path = root / b.file
        first, last = _function_span(path, line) if per_function else (line, line)
        spans.append((str(path), first - LINE_SLACK, last + LINE_SLACK))
    return spans


def _hits(findings: List[Finding], span) -> bool:
    return span is not None and any(f.file == span[0] and span[1] <= f.line <= span[2]
                                    for f in findings)


def score(project: Project, per_function: bool) -> Score:
    buggy, fixed = _top(sources(project.name, project.buggy)), _top(sources(project.name, project.fixed))
    found, problems = scan_paths([buggy / f for f in project.files])
    after, _ = scan_paths([fixed / f for f in project.files if (fixed / f).exists()])
    for problem in problems:
        print(f"  {project.name}: {problem}", file=sys.stderr)
    warnings = [f for f in found if f.severity == "warning"]
    left = [f for f in after if f.severity == "warning"]
    spans = _spans(project.bugs, buggy, per_function, fixed=False)
    s = Score(sites=len(project.bugs))
    s.found = sum(_hits(warnings, span) for span in spans)
    bug_files = {str(buggy / b.file) for b in project.bugs}
    on_bug = [f for f in warnings if any(_hits([f], span) for span in spans)]
    s.findings_in_bug_files = sum(f.file in bug_files for f in warnings)
    s.on_bug = len(on_bug)
    hazard_spans = _spans(project.hazards, buggy, per_function=False, fixed=False)
    on_hazard = [f for f in warnings if f not in on_bug
                 and any(_hits([f], span) for span in hazard_spans)]
    s.on_hazard = len(on_hazard)
    s.noise = len(warnings) - len(on_bug) - len(on_hazard)
    s.lines = sum(len((buggy / f).read_bytes().splitlines()) for f in project.files)
    fixed_spans = [span for span in _spans(project.bugs, fixed, per_function, fixed=True)
                   if span is not None]
    s.fixed_sites = len(fixed_spans)
    kept = [span for span in _spans(project.hazards, fixed, per_function=False, fixed=True)
            if span is not None]
    left = [f for f in left if not any(_hits([f], span) for span in kept)]
    s.survive = sum(_hits(left, span) for span in fixed_spans)
    return s


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--project", action="append")
    args = parser.parse_args()
    projects = [p for p in load_projects(args.labels)
                if not args.project or p.name in args.project]
    for per_function in (False, True):
        print(f"\nMatched {'per function' if per_function else 'at the line'}:\n")
        total = Score()
        print("| project | recall | precision (files with bugs) | noise per 1,000 lines | "
              "on checked unfixed hazards | "
              "findings left at the fix |")
        print("|---|---|---|---|---|---|")
        for project in projects:
            s = score(project, per_function)
            total.add(s)
            print(s.row(f"{project.name} {project.buggy} -> {project.fixed}"), flush=True)
        print(total.row("all"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
