"""The parent's side of building a case: a cache keyed by everything the build depends on.

Key: the case's sources and metadata, the project header, this package's generator
code, the interpreter's implementation, version, ABI and cffi version. A build is
compiled into a staging folder and renamed into place, under a lock, so two processes
building the same case at once neither corrupt nor duplicate it. A compile error is
returned (not raised) with the compiler's message, so the run goes on.
"""

import hashlib
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from gilcompat import cache
from gilcompat.corpus.cases import CASE_FILE, Case
from gilcompat.pythons.launch import PACKAGE_DIR, child_argv
from gilcompat.pythons.interpreter import Interpreter

HEADER_DIR = PACKAGE_DIR / "build" / "include"
# The code that turns a case into C and compiles it: a change to it is a new build.
_GENERATOR_FILES = ("build/compile_case.py", "build/face_sources.py", "build/names.py",
                   "corpus/faces.py", "corpus/signatures.py")
BUILD_TIMEOUT_S = 300


@dataclass(frozen=True)
class Build:
    case: str
    shared_object: Optional[Path]
    module: str
    error: str = ""           # the compiler's message when the build failed

    @property
    def ok(self) -> bool:
        return self.shared_object is not None


def module_base(case: Case) -> str:
    return f"_gilcompat_{case.name}"


def build_key(case: Case, interp: Interpreter) -> str:
    digest = hashlib.sha256()
    files = [*(f / CASE_FILE for f in case.folders), *case.source_paths,
             *sorted(h for f in case.folders for h in f.glob("*.h")),
             *sorted(HEADER_DIR.glob("*.h")),
             *(PACKAGE_DIR / f for f in _GENERATOR_FILES)]
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    # The folder too: debug info (and so TSan's frames) names the source by its path.
    digest.update(str(case.folder).encode() + b"\0")
    digest.update(json.dumps([interp.implementation, interp.version, interp.soabi,
                              interp.free_threaded, interp.tsan, interp.cffi_version,
                              interp.python]).encode())
    return digest.hexdigest()[:20]


def _final_folder(case: Case, interp: Interpreter) -> Path:
    return cache.cache_root() / "builds" / f"{case.name}-{interp.id}-{build_key(case, interp)}"


def is_built(case: Case, interp: Interpreter) -> bool:
    """Whether the case's build for ``interp`` is in the cache already."""
    return _final_folder(case, interp).is_dir()


def ensure_built(case: Case, interp: Interpreter) -> Build:
    """The case's shared object for ``interp``, from the cache or freshly compiled."""
    final = _final_folder(case, interp)
    root = final.parent
    base = module_base(case)
    found = _built_in(final, case, base)
    if found:
        return found
    with cache.file_lock(root / f".{final.name}.lock"):
        found = _built_in(final, case, base)
        if found:
            return found
        try:
            with cache.publish_dir(final) as staging:
                error = _compile(case, interp, base, staging)
                if error:
                    raise _BuildFailed(error)   # discards the staging folder
        except _BuildFailed as failed:
            return Build(case.name, None, base, str(failed))
    return _built_in(final, case, base)


class _BuildFailed(Exception):
    pass


def _built_in(folder: Path, case: Case, base: str) -> Optional[Build]:
    if not folder.is_dir():
        return None
    objects = sorted((folder / "tmp").glob(base + ".*.so")) + \
        sorted((folder / "tmp").glob(base + ".so"))
    if not objects:
        return Build(case.name, None, base, f"{folder}: no shared object in the cache folder")
    return Build(case.name, objects[0], base)


def _compile(case: Case, interp: Interpreter, base: str, out_dir: Path) -> str:
    """Compile into ``out_dir``; return "" on success, else the compiler's message."""
    request = {
        "module": base,
        "functions": [f.declaration for f in case.functions],
        "sources": [str(p) for p in case.source_paths],
        "include_dirs": [str(HEADER_DIR), *(str(f) for f in case.folders)],
        "out_dir": str(out_dir),
        "tsan": interp.tsan,
    }
    request_file = out_dir / "request.json"
    request_file.write_text(json.dumps(request, indent=1))
    argv = child_argv(interp.python, "gilcompat.build.compile_case", [str(request_file)])
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, cwd=out_dir,
                              timeout=BUILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"build of {case.name} took longer than {BUILD_TIMEOUT_S} s"
    (out_dir / "build.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode == 0 and "GILCOMPAT-BUILT" in proc.stdout:
        return ""
    return compiler_message(proc.stdout + "\n" + proc.stderr)


def compiler_message(output: str) -> str:
    """The compiler's error lines (with a little context), else the output's tail."""
    lines = output.splitlines()
    wanted = [i for i, line in enumerate(lines) if re.search(r"\berror\b", line)]
    if not wanted:
        return "\n".join(lines[-20:])
    keep = sorted({j for i in wanted[:8] for j in range(i, min(i + 3, len(lines)))})
    return "\n".join(lines[j] for j in keep)
