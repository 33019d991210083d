"""One cell, inside its own child interpreter: import the face, stress it, report.

The child appends JSON lines to an events file as it goes (``imported``, ``round``,
``done``), flushed at once, so the parent knows the measured GIL state and the rounds
run even when the child then crashes or hangs. faulthandler prints every thread's stack
on a fatal signal, and on SIGUSR1 (the parent's hang watchdog sends it before killing).
"""

import faulthandler
import importlib.util
import json
import signal
import time

from compat.faces import gil_enabled, load_face
from compat.stress import run_stress


class Events:
    def __init__(self, path):
        self.file = open(path, "a", buffering=1)

    def write(self, event, **fields):
        self.file.write(json.dumps({"event": event, "t": time.time(), **fields}) + "\n")
        self.file.flush()


def _load_scenario(path, case):
    spec = importlib.util.spec_from_file_location(f"gilcompat_scenario_{case}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv):
    faulthandler.enable(all_threads=True)
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    with open(argv[0]) as handle:
        request = json.load(handle)
    events = Events(request["events"])
    ext, enabled_by = load_face(request["shared_object"], request["module"],
                                request["face"], request["functions"])
    events.write("imported", gil_enabled=gil_enabled(), gil_enabled_by=enabled_by)
    stress = request["stress"]
    ext.set_spin(stress["spin"])
    ext.threads = stress["threads"]     # so a scenario need not repeat case.toml
    scenario = _load_scenario(request["scenario"], request["case"])
    result = run_stress(
        ext, scenario, stress["threads"], stress["iterations"], stress["rounds"],
        on_round=lambda r, evidence: events.write("round", round=r, evidence=evidence))
    events.write("done", outcome=result.outcome, evidence=result.evidence,
                 rounds=result.rounds, gil_enabled_after=gil_enabled())
    return 0
