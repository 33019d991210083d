"""The ``gilcompat`` command line."""

import argparse
import hashlib
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import List

from gilcompat.report import terminal as table
from gilcompat.corpus.cases import (MODES, Case, case_folders, check_twins, corpus_root,
                                    load_cases)
from gilcompat.corpus.faces import FACES
from gilcompat.pythons.interpreter import Interpreter, ProbeError, probe
from gilcompat.run.plan import run_matrix, run_plan, undeclared_parallel
from gilcompat.pythons.venvs import PrepareError, prepared
from gilcompat.run.progress import Progress
from gilcompat.results import Results
from gilcompat.run.expectations import PASSING_VERDICTS

DEFAULT_RESULTS = "gilcompat-results.json"


def _load(paths: List[str], only: List[str] = ()) -> tuple:
    """The cases (``only``: just those named, whose errors alone then count)."""
    roots = [Path(p) for p in paths] if paths else [corpus_root()]
    cases, errors = load_cases(roots, only=list(only) or None)
    errors += check_twins(cases) if not (paths or only) else []
    for error in errors:
        print(f"gilcompat: case error: {error}", file=sys.stderr)
    return cases, errors


def cmd_list(args) -> int:
    cases, errors = _load(args.cases_dir)
    if args.json:
        print(json.dumps({"cases": [c.summary() for c in cases],
                          "errors": [str(e) for e in errors]}, indent=1))
    elif args.md:
        from gilcompat.corpus.catalog import render
        print(render(cases), end="")
    elif args.coverage:
        from gilcompat.corpus import coverage
        hazards, hazard_errors = coverage.load_hazards(cases)
        for error in hazard_errors:
            print(f"gilcompat: hazard error: {error}", file=sys.stderr)
        if hazard_errors:
            return 1
        print(coverage.render(hazards), end="")
    else:
        for case in cases:
            print(f"{case.name:26} {case.category:22} {case.guarantee}")
    return 1 if errors else 0


def _select(cases: List[Case], names: List[str], paths: List[str] = ()) -> List[Case]:
    if not names:
        return cases
    known = {c.name: c for c in cases}
    unknown = [n for n in names if n not in known]
    if unknown:
        roots = [Path(p) for p in paths] if paths else [corpus_root()]
        folders = sorted(f.name for f in case_folders(roots))
        raise SystemExit(f"gilcompat: no case named {', '.join(unknown)} "
                         f"(cases: {', '.join(folders)})")
    return [known[n] for n in names]


MIN_VERSION = (3, 9)


def _expand(executables: List[str], progress: Progress) -> List[Interpreter]:
    """Probe each named executable; ``all`` stands for every interpreter discovered."""
    found: List[Interpreter] = []
    for exe in executables or [sys.executable]:
        if exe == "all":
            from gilcompat.pythons.discovery import discover
            found += [f.interpreter for f in discover(log=progress.note)]
        else:
            try:
                found.append(probe(exe))
            except ProbeError as exc:
                progress.note(f"gilcompat: skipping interpreter {exe}: {exc}")
    kept: List[Interpreter] = []
    for interp in found:
        if interp.version_tuple < MIN_VERSION:
            progress.note(f"gilcompat: leaving out {interp.id} ({interp.executable}): "
                          "gilcompat needs Python 3.9 or newer")
        elif interp.executable not in {k.executable for k in kept}:
            kept.append(unique_id(interp, kept))
    return kept


def unique_id(interp: Interpreter, others: List[Interpreter]) -> Interpreter:
    """``interp``, its id told apart (by a digest of its path) from any of ``others``
    that has the same id: two interpreters never share an id in one run."""
    if interp.id not in {o.id for o in others}:
        return interp
    digest = hashlib.sha256(interp.executable.encode()).hexdigest()[:6]
    return replace(interp, id_suffix=f"@{digest}")


def _interpreters(executables: List[str], progress: Progress) -> tuple:
    interps, failures = [], []
    for interp in _expand(executables, progress):
        try:
            interps.append(prepared(interp, log=progress.note))
        except PrepareError as exc:
            progress.note(f"gilcompat: skipping interpreter {interp.executable}: {exc}")
            failures.append(interp.executable)
    return interps, failures


def _faces(args) -> List[str]:
    """The faces asked for ('all': every one); empty for the default plan."""
    asked = args.face or []
    return list(FACES) if "all" in asked else asked


def _run_and_print(cases: List[Case], args, out: Path, conformance: bool) -> tuple:
    """Run every cell of ``cases`` on ``args.python`` (with the opt-in conformance set
    when ``conformance`` and no face was asked for); (results, failed interpreters), or
    None when interrupted (what finished is kept in ``out``)."""
    progress = Progress(0)
    interps, failures = _interpreters(args.python, progress)
    cells = run_plan(cases, interps, _faces(args), args.mode or MODES, conformance)
    progress.total = len(cells)
    results = Results()
    try:
        run_matrix(cells, results, out, progress, jobs=args.jobs)
        _try_modes(cases, interps, results, args, out, progress, conformance)
    except KeyboardInterrupt:
        progress.finish()
        results.write(out)
        print(f"\ninterrupted: {len(results.cells)} of {len(cells)} cells kept in {out}",
              file=sys.stderr)
        return None
    progress.finish()
    results.write(out)
    print(table.render(results.cells))
    print(f"\n{table.summary(results.cells)}; results in {out}")
    return results, failures


def _try_modes(cases, interps, results, args, out, progress, conformance) -> None:
    """A build seen running C code in parallel without declaring free threading gets
    its forcing modes tried as well (each cell says whether they did anything)."""
    parallel = undeclared_parallel(interps, results)
    modes = [m for m in (args.mode or MODES) if m in ("gil0", "gil1")]
    if not parallel or not modes:
        return
    for interp in parallel:
        progress.note(f"gilcompat: {interp.id} ran GIL-held C code in parallel but does "
                      "not declare free threading; trying its forcing modes too")
    extra = run_plan(cases, parallel, _faces(args), modes, conformance)
    progress.total += len(extra)
    run_matrix(extra, results, out, progress, jobs=args.jobs)


def cmd_run(args) -> int:
    cases, errors = _load(args.cases_dir, args.case)   # only the named cases' errors
    cases = _select(cases, args.case, args.cases_dir)
    ran = _run_and_print(cases, args, Path(args.json), conformance=not args.case)
    if ran is None:
        return 130
    results, failures = ran
    bad = [c for c in results.cells if c.verdict not in PASSING_VERDICTS]
    return 1 if bad or errors or failures else 0


def cmd_check(args) -> int:
    from gilcompat.authors.explain import explain
    args.python = args.python or ["all"]
    from gilcompat.corpus.cases import AUTHOR_DEFAULTS
    cases, errors = load_cases([Path(p) for p in args.paths], AUTHOR_DEFAULTS)
    for error in errors:
        print(f"gilcompat: case error: {error}", file=sys.stderr)
    if not cases:
        print("gilcompat: no case folder (with a case.toml) under "
              f"{', '.join(args.paths)}", file=sys.stderr)
        return 2
    ran = _run_and_print(cases, args, Path(args.json), conformance=False)
    if ran is None:
        return 130
    results, failures = ran
    print("\n" + explain(results.cells, cases))
    bad = [c for c in results.cells if c.verdict not in PASSING_VERDICTS]
    return 1 if bad or errors or failures else 0


def cmd_report(args) -> int:
    from gilcompat.report import diff as report_diff
    from gilcompat.report import html as report_html
    from gilcompat.report import markdown as report_md
    from gilcompat.report.model import headlines, merge
    if args.diff:
        try:
            old, new = merge([Path(args.diff[0])]), merge([Path(args.diff[1])])
        except (OSError, ValueError) as exc:
            print(f"gilcompat: {exc}", file=sys.stderr)
            return 2
        found = report_diff.changes(old, new)
        moved = report_diff.route_changes(old, new)
        print(report_diff.render(found, moved))
        return 1 if any(c.new_failure for c in [*found, *moved]) else 0
    if not args.results:
        print("gilcompat: report needs RESULTS.json files (or --diff OLD NEW)", file=sys.stderr)
        return 2
    try:
        merged = merge([Path(p) for p in args.results])
    except (OSError, ValueError) as exc:
        print(f"gilcompat: {exc}", file=sys.stderr)
        return 2
    heads = headlines(merged)
    outputs = {"md": lambda: report_md.render(merged, heads),
               "html": lambda: report_html.render(merged, heads),
               "json": lambda: json.dumps(_report_json(merged, heads), indent=1) + "\n"}
    wrote = False
    for kind, render in outputs.items():
        target = getattr(args, kind)
        if target:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            Path(target).write_text(render())
            print(f"wrote {target}", file=sys.stderr)
            wrote = True
    if not wrote:
        print(report_md.render(merged, heads))
    return 0


def _report_json(merged, heads) -> dict:
    interpreters = [{**entry, **heads[entry["id"]].to_json()} for entry in merged.interpreters]
    return {"schema": 1, "interpreters": interpreters,
            "cells": [c.__dict__.copy() for c in merged.cells]}


def cmd_scan(args) -> int:
    from gilcompat.authors.scan import ScanUnavailable, scan_paths
    missing = [p for p in args.paths if not Path(p).exists()]
    for path in missing:
        print(f"gilcompat: {path}: no such file or folder", file=sys.stderr)
    try:
        findings, problems = scan_paths([Path(p) for p in args.paths if Path(p).exists()])
    except ScanUnavailable as exc:
        print(f"gilcompat: {exc}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"gilcompat: {problem}", file=sys.stderr)
    warnings = [f for f in findings if f.severity == "warning"]
    if args.json:
        print(json.dumps({"findings": [f.to_json() for f in findings]}, indent=1))
    else:
        for finding in findings:
            print(finding)
        gated = sum(f.severity == "gated" for f in findings)
        print(f"{len(warnings)} warnings, {len(findings) - len(warnings) - gated} notes, "
              f"{gated} in code a free-threaded build never compiles", file=sys.stderr)
    if missing or problems:
        return 2
    return 1 if warnings else 0


def cmd_python_install(args) -> int:
    from gilcompat.pythons.provision import BuildSpec, ProvisionError, install
    from gilcompat.pythons.sources import ChecksumMismatch, SourceUnavailable
    try:
        exe = install(BuildSpec.parse(args.version, tsan=args.tsan),
                      log=lambda m: print(m, file=sys.stderr, flush=True),
                      version=args.pin)
    except (ProvisionError, SourceUnavailable, ChecksumMismatch, ValueError) as exc:
        print(f"gilcompat: {exc}", file=sys.stderr)
        return 1
    print(exe)
    return 0


def cmd_python_list(args) -> int:
    from gilcompat.pythons.discovery import discover
    found = discover(log=lambda m: print(m, file=sys.stderr))
    if args.json:
        print(json.dumps([f.to_dict() for f in found], indent=1))
    else:
        for entry in found:
            print(f"{entry.interpreter.id:24} {entry.interpreter.executable}  ({entry.origin})")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="gilcompat", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="list the cases")
    p.add_argument("--json", action="store_true", help="print the cases' metadata as JSON")
    p.add_argument("--md", action="store_true", help="print the catalogue as Markdown")
    p.add_argument("--coverage", action="store_true",
                   help="print the hazard coverage table as Markdown (docs/coverage.md)")
    p.add_argument("--cases-dir", action="append", default=[], metavar="PATH",
                   help="case folder(s) instead of the corpus")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("run", help="run cells and write a results file")
    p.add_argument("--python", action="append", default=[], metavar="EXE",
                   help="interpreter to run on (repeatable; 'all': every one discovered; "
                        "default: this one)")
    p.add_argument("--case", action="append", default=[], metavar="NAME")
    p.add_argument("--face", action="append", choices=FACES + ("all",),
                   help="face to run (repeatable; 'all': every init route too; default: "
                        "cffi, capi and capi-optin for every case, plus every init route "
                        "for the opt-in conformance set)")
    p.add_argument("--mode", action="append", choices=MODES)
    p.add_argument("--json", default=DEFAULT_RESULTS, metavar="OUT",
                   help=f"results file (default: {DEFAULT_RESULTS})")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="cells run at once (default 1: races need the cores)")
    p.add_argument("--cases-dir", action="append", default=[], metavar="PATH")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("report", help="merge results files into a conformance report")
    p.add_argument("results", nargs="*", metavar="RESULTS.json",
                   help="results files, or folders of them")
    p.add_argument("--md", metavar="OUT")
    p.add_argument("--html", metavar="OUT")
    p.add_argument("--json", metavar="OUT")
    p.add_argument("--diff", nargs=2, metavar=("OLD", "NEW"),
                   help="the cells that changed; exit 1 on a new guarantee failure")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("check", help="run your own case folders; exit 1 when one broke")
    p.add_argument("paths", nargs="+", metavar="PATH", help="case folder(s), or folders of them")
    p.add_argument("--python", action="append", default=[], metavar="EXE",
                   help="interpreter (repeatable; default: 'all', every one discovered)")
    p.add_argument("--face", action="append", choices=FACES + ("all",))
    p.add_argument("--mode", action="append", choices=MODES)
    p.add_argument("--json", default="gilcompat-check.json", metavar="OUT")
    p.add_argument("--jobs", type=int, default=1, metavar="N")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("scan", help="find GIL-era patterns in C sources (static)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="C files or folders")
    p.add_argument("--json", action="store_true", help='print {"findings": [...]}')
    p.set_defaults(func=cmd_scan)

    py = sub.add_parser("python", help="discover and provision interpreters")
    pysub = py.add_subparsers(dest="python_command", required=True)
    p = pysub.add_parser("install", help="build CPython into the per-user cache")
    p.add_argument("version", help="3.13t, 3.14t, 3.12, ...")
    p.add_argument("--tsan", action="store_true", help="ThreadSanitizer build")
    p.add_argument("--version", dest="pin", metavar="X.Y.Z",
                   help="this exact release (default: the newest the sources serve)")
    p.set_defaults(func=cmd_python_install)
    p = pysub.add_parser("list", help="every interpreter on this machine")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_python_list)
    return top


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:
        os._exit(1)


if __name__ == "__main__":
    sys.exit(main())
