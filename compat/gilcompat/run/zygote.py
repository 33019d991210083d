"""Fork servers, one per interpreter and environment: a cell's child forked, not started.

A cell's child costs an interpreter start and the child runner's imports, about half
of a quick cell. A fork server (gilcompat.child.zygote) pays that once per interpreter
and environment (a mode's ``PYTHON_GIL``, a case's ``PYTHONMALLOC``: all read at
start-up, so each environment has servers of its own) and forks each cell's child
from there. The fork is what a fresh child is, minus the start: same interpreter, same
flags, same environment, nothing of a face imported yet.

ThreadSanitizer builds always start fresh (each cell's TSan log goes to a path of its
own, set in the environment at start-up), and so does everything when
``GILCOMPAT_FRESH_START=1`` is set or the platform has no fork. A server that fails is
dropped and the cell starts fresh: a fork server is a speed-up, never a cell's outcome.
"""

import json
import os
import signal
import subprocess
import threading
from pathlib import Path
from typing import Dict, List, Optional, Tuple

FRESH_START_ENV = "GILCOMPAT_FRESH_START"
READY_TIMEOUT_S = 30.0


class ServerGone(Exception):
    """The server ended or answered nonsense: its cells start fresh instead."""


class Forked:
    """A cell's child forked by a server: the part of ``subprocess.Popen`` a cell uses
    (``pid``, ``poll``, ``wait``, ``returncode``)."""

    def __init__(self, server: "Server", pid: int):
        self.server, self.pid, self.returncode = server, pid, None

    def poll(self) -> Optional[int]:
        if self.returncode is None:
            self.returncode = self._exit_code(0)
        return self.returncode

    def wait(self, timeout: Optional[float] = None) -> int:
        if self.returncode is None:
            code = self._exit_code(timeout)
            if code is None:
                raise subprocess.TimeoutExpired("forked cell", timeout)
            self.returncode = code
        return self.returncode

    def _exit_code(self, timeout: Optional[float]) -> Optional[int]:
        try:
            return self.server.exit_code(self.pid, timeout)
        except ServerGone:
            # Nobody can tell how the fork ends now: it must not outlive the cell.
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except OSError:
                pass
            raise


class Server:
    """One running fork server, serving one cell at a time."""

    def __init__(self, argv: List[str], env: dict):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env, cwd="/",
                                     start_new_session=True)
        self.lines: List[dict] = []
        self.arrived = threading.Condition()
        self.gone = False
        # The GIL's state before any face import, as the first cell forked from here
        # measured it: {"exclusion", "pid"}. Every fork is a copy of this same process,
        # which imports nothing after its start, so later cells take it (child/cell.py).
        self.before: Optional[dict] = None
        threading.Thread(target=self._read, name="gilcompat-zygote-reader",
                         daemon=True).start()
        self._next(lambda line: "ready" in line, READY_TIMEOUT_S)

    def _read(self) -> None:
        for raw in self.proc.stdout:
            try:
                line = json.loads(raw)
            except ValueError:
                line = {"garbage": raw[:200]}
            with self.arrived:
                self.lines.append(line)
                self.arrived.notify_all()
        with self.arrived:
            self.gone = True
            self.arrived.notify_all()

    def _next(self, wanted, timeout: Optional[float]) -> Optional[dict]:
        """The first line ``wanted`` accepts (taken out), None after ``timeout``."""
        with self.arrived:
            found = self.arrived.wait_for(
                lambda: self.gone or any(wanted(l) for l in self.lines), timeout)
            for line in self.lines:
                if wanted(line):
                    self.lines.remove(line)
                    return line
            if found:
                raise ServerGone("the fork server ended")
            return None

    def fork(self, module: str, args: List[str], workdir: Path) -> Forked:
        job = {"module": module, "args": args, "workdir": str(workdir),
               "stdout": str(workdir / "stdout"), "stderr": str(workdir / "stderr")}
        try:
            self.proc.stdin.write((json.dumps(job) + "\n").encode())
            self.proc.stdin.flush()
        except OSError as exc:
            raise ServerGone(f"the fork server took no request: {exc}") from None
        started = self._next(lambda l: "pid" in l and "exit" not in l, READY_TIMEOUT_S)
        if started is None:
            raise ServerGone("the fork server did not fork in time")
        return Forked(self, started["pid"])

    def exit_code(self, pid: int, timeout: Optional[float]) -> Optional[int]:
        """The fork's exit code (negative: the signal), None if it runs on after
        ``timeout`` (None: wait); ServerGone if the server ended first."""
        ended = self._next(lambda l: l.get("pid") == pid and "exit" in l, timeout)
        return ended["exit"] if ended else None

    def learn_before(self, event: Optional[dict]) -> None:
        """Keep a cell's own conclusive ``before`` measurement, if none is kept yet."""
        if self.before is not None or not event:
            return
        exclusion = event["exclusion"]
        if exclusion.get("gil") is not None and "measured_in" not in exclusion:
            self.before = {"exclusion": exclusion, "pid": event["pid"]}

    def close(self) -> None:
        # Idle (its forks have ended): nothing of it to keep, so no finalization to
        # wait for (about 30 ms a server).
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.kill()
        self.proc.wait()


class Pool:
    """Idle servers per (argv, environment); a cell leases one, or a new one. The
    first cell of an environment starts fresh: a server pays only from its second
    cell on, and a one-cell run (an author's quick check) starts none."""

    def __init__(self):
        self.idle: Dict[Tuple, List[Server]] = {}
        self.every: List[Server] = []
        self.seen: set = set()
        self.guard = threading.Lock()

    def lease(self, argv: List[str], env: dict) -> Optional[Server]:
        key = (tuple(argv), tuple(sorted(env.items())))
        with self.guard:
            waiting = self.idle.get(key)
            if waiting:
                return waiting.pop()
            if key not in self.seen:
                self.seen.add(key)
                return None
        try:
            server = Server(argv, env)
        except (OSError, ServerGone):
            return None
        with self.guard:
            self.every.append(server)
        return server

    def give_back(self, server: Server, argv: List[str], env: dict) -> None:
        if server.gone or server.proc.poll() is not None:
            return
        key = (tuple(argv), tuple(sorted(env.items())))
        with self.guard:
            self.idle.setdefault(key, []).append(server)

    def close(self) -> None:
        with self.guard:
            servers, self.every, self.idle, self.seen = self.every, [], {}, set()
        for server in servers:
            server.close()


POOL = Pool()


def wanted(tsan: bool) -> bool:
    """Whether cells of this interpreter fork from a server."""
    return hasattr(os, "fork") and not tsan and os.environ.get(FRESH_START_ENV) != "1"
