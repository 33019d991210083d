"""Run a module of this package inside another interpreter, without installing it there.

The child loads ``compat`` from this very folder by path, so nothing of the parent's
site-packages (built for another ABI) leaks into the child's ``sys.path``.
"""

from pathlib import Path
from typing import List

PACKAGE_DIR = Path(__file__).resolve().parent

_BOOTSTRAP = """\
import importlib, importlib.util, sys
spec = importlib.util.spec_from_file_location(
    "compat", {init!r}, submodule_search_locations=[{pkg!r}])
pkg = importlib.util.module_from_spec(spec)
sys.modules["compat"] = pkg
spec.loader.exec_module(pkg)
sys.exit(importlib.import_module(sys.argv[1]).main(sys.argv[2:]))
"""


def child_argv(python: str, module: str, args: List[str]) -> List[str]:
    code = _BOOTSTRAP.format(init=str(PACKAGE_DIR / "__init__.py"), pkg=str(PACKAGE_DIR))
    return [python, "-s", "-c", code, module, *args]
