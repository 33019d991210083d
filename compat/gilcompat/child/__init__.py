"""The code that runs inside the interpreter under test: standard library only.

Nothing here imports the rest of gilcompat (the parent tells the child every name it
needs in the cell's request), and the rest of gilcompat imports from here only what
this entry exports:

- ``CELL_MAIN``: the module the parent starts in each cell's child;
- ``ZYGOTE_MAIN``: the fork server that runs it in a fork instead (zygote.py);
- ``module_named_in``: reads the "GIL has been enabled to load module" warning;
- ``gil_reported``: what the interpreter says of its GIL;
- ``run_calls_together``: threads released together, for the pytest plugin.

``gilcompat.scenario`` (the helpers for scenario.py files) runs here too.
"""

from gilcompat.child.gil_state import gil_reported, module_named_in
from gilcompat.child.threads import run_calls_together

CELL_MAIN = "gilcompat.child.cell"
ZYGOTE_MAIN = "gilcompat.child.zygote"

__all__ = ["CELL_MAIN", "ZYGOTE_MAIN", "gil_reported", "module_named_in", "run_calls_together"]
