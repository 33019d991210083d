"""A live progress line on a terminal; one line per finished cell elsewhere (CI logs)."""

import sys
import time
from typing import Optional, TextIO


class Progress:
    def __init__(self, total: int, stream: Optional[TextIO] = None):
        self.total, self.done = total, 0
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.start = time.monotonic()
        self.width = 0

    def note(self, message: str) -> None:
        """A message on a line of its own (the live line is redrawn after it)."""
        self._clear()
        print(message, file=self.stream, flush=True)

    builds = ""     # the build phase's state, while builds run beside the cells

    def build_done(self, done: int, total: int, compiled: int, compile_s: float) -> None:
        """A build finished (``compiled`` of the ``done`` were compiled, not cached,
        taking ``compile_s`` seconds in all): one line for the phase, with an estimate
        from the compiles so far (every build left is taken to compile)."""
        left = total - done
        eta = f", about {compile_s / compiled * left:.0f} s left" if compiled and left else ""
        self.builds = f"builds {done}/{total}{eta}" if left else ""
        if not self.live and (done == total or done % max(1, total // 10) == 0):
            print(f"builds {done}/{total} ({compiled} compiled){eta}", file=self.stream,
                  flush=True)

    def cell_done(self, cell) -> None:
        self.done += 1
        elapsed = time.monotonic() - self.start
        text = (f"[{self.done:>{len(str(self.total))}}/{self.total}] {elapsed:6.1f}s "
                f"{cell.interpreter} {cell.case} {cell.face} {cell.mode}: "
                f"{cell.outcome} ({cell.verdict})")
        if self.live and self.builds:
            text += f"  | {self.builds}"
        if self.live:
            self._clear()
            self.stream.write(text)
            self.width = len(text)
            self.stream.flush()
        else:
            print(text, file=self.stream, flush=True)

    def finish(self) -> None:
        self._clear()

    def _clear(self) -> None:
        if self.live and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.width = 0
