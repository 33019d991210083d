"""Notice when the GIL gets turned on (free-threaded builds), and by which module."""

import warnings
from typing import Optional

from gilcompat.child import gil_reported as gil_enabled, module_named_in


class GilWatch:
    """A context: was the GIL off on entry and on at exit, and which module did it?"""

    def __enter__(self):
        self.before = gil_enabled()
        self._catch = warnings.catch_warnings(record=True)
        self.caught = self._catch.__enter__()
        warnings.simplefilter("always", RuntimeWarning)
        return self

    def __exit__(self, *exc):
        self._catch.__exit__(*exc)
        self.after = gil_enabled()
        for warning in self.caught:      # pass the others on, as if we were not here
            if not module_named_in(str(warning.message)):
                warnings.warn_explicit(warning.message, warning.category,
                                       warning.filename, warning.lineno)
        return False

    @property
    def turned_on(self) -> bool:
        return self.before is False and self.after is True

    @property
    def culprit(self) -> Optional[str]:
        named = [module_named_in(str(w.message)) for w in self.caught]
        return next((n for n in named if n), None)
