"""A fork server: one started interpreter that forks a fresh child for each cell.

Started (by gilcompat.run.zygote) with the environment of one interpreter and mode, it
imports the child runner, then waits. Each request on stdin (a JSON line: the module to
run, its arguments, the cell's folder and its stdout and stderr files) forks; the fork
runs the module's ``main`` as a freshly started child would (its own process group, its
own files, its exit through the interpreter's normal finalization), and the server
reports on stdout its pid and, once it ended, its exit code (negative: the signal).

Nothing but the child runner's standard-library modules is imported before the fork:
the face's import, the one that may turn the GIL on, happens in the fork, and every
cell measures the GIL itself before that import (its ``before`` probe), so a server
that had somehow turned the GIL on would show in the cell, not hide.

A server serves one cell at a time and ends at the end of stdin. Runs in the child:
standard library only.
"""

import importlib
import json
import os
import sys

# What the cell's child imports at start-up, imported once here instead.
import gilcompat.child.cell  # noqa: F401


def _say(**fields):
    os.write(1, (json.dumps(fields) + "\n").encode())


def _become_cell(job):
    """In the fork: the cell's own process group, folder and files."""
    os.setpgid(0, 0)
    os.chdir(job["workdir"])
    null = os.open(os.devnull, os.O_RDONLY)
    out = os.open(job["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    err = os.open(job["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    for fd, target in ((null, 0), (out, 1), (err, 2)):
        os.dup2(fd, target)         # also closes the server's pipes in the fork
        os.close(fd)


def serve():
    """Fork for each request; return the request in the fork, None at the end."""
    _say(ready=os.getpid())
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _become_cell(job)
            return job
        try:
            os.setpgid(pid, pid)    # the fork does it too: whichever runs first
        except OSError:
            pass
        _say(pid=pid)
        _, status = os.waitpid(pid, 0)
        _say(pid=pid, exit=os.waitstatus_to_exitcode(status))
    return None


def main(argv):
    job = serve()
    if job is None:
        return 0
    return importlib.import_module(job["module"]).main(job["args"])
