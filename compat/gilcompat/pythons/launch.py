"""Run a module of this package inside another interpreter, without installing it there.

The child loads ``gilcompat`` from this very folder by path, so nothing of the parent's
site-packages (built for another ABI) leaks into the child's ``sys.path``. With
``site_dirs`` given, the child also runs without ``site`` (``-S``): only those folders
(the runner's site-packages) are added to its path, and no ``.pth`` file is executed.
"""

from pathlib import Path
from typing import List, Optional, Sequence

PACKAGE_DIR = Path(__file__).resolve().parent.parent   # the gilcompat package

_BOOTSTRAP = """\
import importlib, importlib.util, sys
sys.path[:] = [p for p in sys.path if p not in ("", ".")] + {site_dirs!r}
spec = importlib.util.spec_from_file_location(
    "gilcompat", {init!r}, submodule_search_locations=[{pkg!r}])
pkg = importlib.util.module_from_spec(spec)
sys.modules["gilcompat"] = pkg
spec.loader.exec_module(pkg)
sys.exit(importlib.import_module(sys.argv[1]).main(sys.argv[2:]))
"""


def child_argv(python: str, module: str, args: List[str],
               site_dirs: Optional[Sequence[str]] = None) -> List[str]:
    """The command that runs ``module.main(args)`` in ``python``."""
    code = _BOOTSTRAP.format(init=str(PACKAGE_DIR / "__init__.py"), pkg=str(PACKAGE_DIR),
                             site_dirs=list(site_dirs or []))
    flags = ["-s"] if site_dirs is None else ["-s", "-S"]
    return [python, *flags, "-c", code, module, *args]
