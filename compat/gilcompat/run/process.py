"""Process control for one cell's child: start it, watch it, never leave it behind.

The child gets a process group of its own (so the whole group can be killed) and files
for stdout, stderr and events; it is started afresh, or forked by a fork server
(gilcompat.run.zygote). A hang is caught by the watchdog; the child is then asked for
every thread's stack (SIGUSR1) and killed. An interrupted run (``STOP``) kills it too.
"""

import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

from gilcompat.run import tsan
from gilcompat.run.watchdog import HangWatch
from gilcompat.run.zygote import Server

POLL_S = 0.01           # the watchdog's sampling: a deadlock is seen within idle_s + this
STACK_WAIT_S = 1.0
STACK_SETTLED_S = 0.01  # faulthandler writes every stack at once, in its signal handler:
                        # a file that stopped growing this long is complete
STOP = threading.Event()      # set when the run is interrupted: children are killed


class Interrupted(Exception):
    pass


@dataclass
class ChildRun:
    returncode: Optional[int]
    hang: Optional[str]
    events: List[dict]
    stderr: str
    duration_s: float
    witness: Optional[tsan.Witness] = None    # ThreadSanitizer's reports (TSan builds)
    hang_at: Optional[float] = None   # time.time() when the watchdog called it hung

    def last(self, name: str) -> Optional[dict]:
        found = [e for e in self.events if e.get("event") == name]
        return found[-1] if found else None

    @property
    def phase(self) -> Optional[str]:
        """The phase the child last entered (``stress``, ``check``, ...), None if none."""
        entered = self.last("phase")
        return entered["phase"] if entered else None

    @property
    def phase_text(self) -> str:
        entered = self.last("phase")
        if not entered:
            return "start-up (before the child's first phase)"
        where = entered["phase"]
        return f"{where} (round {entered['round']})" if entered.get("round") else where


def spawn_and_watch(argv: List[str], env: dict, workdir: Path, timeout_s: float,
                    idle_s: float, server: Optional[Server] = None) -> ChildRun:
    """Run ``argv`` to its end, or to a hang, and never leave a process behind. With
    ``server`` (whose interpreter and environment are ``argv``'s and ``env``'s), the
    child is forked from it instead of started."""
    events_path = workdir / "events.jsonl"
    events_path.touch()
    start = time.monotonic()
    proc = _start(argv, env, workdir, server)
    hang = hang_at = None
    try:
        watch = HangWatch(proc.pid, timeout_s, idle_s)
        while proc.poll() is None:
            if STOP.is_set():
                raise Interrupted(f"run interrupted; child {proc.pid} killed")
            hang = watch.poll()
            if hang:
                hang_at = time.time()
                _dump_stacks_then_kill(proc, workdir / "stderr")
                break
            try:
                proc.wait(timeout=POLL_S)   # returns as soon as the child exits
            except subprocess.TimeoutExpired:
                pass
    finally:
        _kill_group(proc)
    duration = time.monotonic() - start
    return ChildRun(proc.returncode, hang, _read_events(events_path),
                    (workdir / "stderr").read_text(errors="replace"), duration,
                    hang_at=hang_at)


def _start(argv: List[str], env: dict, workdir: Path, server: Optional[Server]):
    """The child, forked by ``server`` (its ``-c`` bootstrap's module and arguments
    come after the code) or started afresh: in a session of its own either way."""
    if server is not None:
        code_at = argv.index("-c")
        return server.fork(argv[code_at + 2], argv[code_at + 3:], workdir)
    with open(workdir / "stdout", "wb") as out, open(workdir / "stderr", "wb") as err:
        return subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env=env, cwd=workdir, start_new_session=True)


def _dump_stacks_then_kill(proc, stderr_path: Path) -> None:
    before = stderr_path.stat().st_size     # what the child wrote before it hung
    try:
        os.killpg(proc.pid, signal.SIGUSR1)
    except OSError:
        pass
    deadline = time.monotonic() + STACK_WAIT_S
    size = -1
    while time.monotonic() < deadline:   # wait until faulthandler stops writing
        time.sleep(STACK_SETTLED_S)
        now = stderr_path.stat().st_size
        if now == size and now > before:
            break
        size = now
    _kill_group(proc)


def _kill_group(proc) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    proc.wait()


def _read_events(path: Path) -> List[dict]:
    events = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            pass    # a line cut short by a crash
    return events


