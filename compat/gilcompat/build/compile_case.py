"""Compile one case with cffi, inside the interpreter it is built for (runs in a child).

One shared object holds the three faces: the cffi module and the two generated C-API
modules. The limited API is off everywhere: free-threaded builds cannot use it, and the
capi faces need the full API anyway.
"""

import json
import sys
from pathlib import Path

from gilcompat.build.face_sources import cdef_text, generated_source
from gilcompat.corpus.signatures import parse_declaration


def build(request: dict) -> str:
    """Build per ``request`` into its ``out_dir``; return the shared object's path."""
    import cffi  # only here: importing it may turn the GIL on, which no build cares about

    functions = [parse_declaration(d) for d in request["functions"]]
    # On a TSan build the case's own C must be instrumented too, or TSan cannot see
    # its races.
    sanitize = ["-fsanitize=thread"] if request.get("tsan") else []
    ffibuilder = cffi.FFI()
    ffibuilder.cdef(cdef_text(functions))
    ffibuilder.set_source(
        request["module"],
        generated_source(request["module"], functions),
        sources=request["sources"],
        include_dirs=request["include_dirs"],
        define_macros=[("_CFFI_NO_LIMITED_API", None)],
        py_limited_api=False,
        extra_compile_args=["-std=gnu11", *sanitize],
        extra_link_args=sanitize,
    )
    out_dir = Path(request["out_dir"])
    return str(Path(ffibuilder.compile(tmpdir=str(out_dir / "tmp"), verbose=False)).resolve())


def main(argv) -> int:
    request = json.loads(Path(argv[0]).read_text())
    path = build(request)
    print("GILCOMPAT-BUILT " + path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
