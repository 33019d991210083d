"""One cell, inside its own child interpreter: measure, import the face, stress, report.

The child appends JSON lines to an events file as it goes, flushed at once, so the
parent knows how far it got even when the child then crashes or hangs:

- ``phase`` as it enters each phase (``before``, ``import``, ``probe``, ``load``
  (the scenario), then per round ``setup``/``stress``/``check``, then ``after``; a case
  that imports while busy has one ``late-import`` phase in place of ``import`` and
  ``probe``: see late_import.py; a case that leaves its threads running into the
  interpreter's exit has ``finalize`` last; the subinterp mode has ``refusal`` first, and runs
  the rest in interpreters with their own GIL: see subinterp.py);
- ``before``: the exclusion probe through the opted-in module of the same shared
  object, before the face is imported (the GIL's state before anything undeclared
  was loaded). A child forked by a fork server that already served a cell takes that
  cell's measurement instead (``request["before"]``): it is a copy of the same
  unchanged server, and the record names the process that measured it;
- ``imported``: the probe through the face right after its import, what the
  interpreter reports, and the module it said turned the GIL on;
- ``refusal`` (subinterp mode): whether an interpreter with its own GIL refused the
  face's module, which declares no per-interpreter GIL support;
- ``round`` after each round, ``done`` at the end with the probe run again.

faulthandler prints every thread's stack on a fatal signal, and on SIGUSR1 (the
parent's hang watchdog sends it before killing).
"""

import faulthandler
import json
import os
import signal
import time

from gilcompat.child import gil_state, subinterp
from gilcompat.child.faces import load_face
from gilcompat.child.late_import import BusyThreads, with_busy_evidence
from gilcompat.child.stress import load_scenario, run_stress


class Events:
    def __init__(self, path):
        self.file = open(path, "a", buffering=1)

    def write(self, event, **fields):
        self.file.write(json.dumps({"event": event, "t": time.time(), **fields}) + "\n")
        self.file.flush()

    def phase(self, name, round_index=None):
        self.write("phase", phase=name, round=round_index)


def _probe(ext):
    return gil_state.measure_again_if_disputed(ext.probe_held, ext.probe_free)


def _before(request):
    """(the opted-in module where this cell needs it, the ``before`` measurement)."""
    optin = None
    sibling = request.get("before")
    if request.get("import_while_busy") or not sibling:    # busy threads run in it
        optin, _ = load_face(request["shared_object"], "capi-optin",
                             request["names"]["capi-optin"], [])
    if sibling:
        return optin, {**sibling["exclusion"], "measured_in": (
            f"process {sibling['pid']}, an earlier fork of the same fork server")}
    return optin, _probe(optin)


def _import_face(request, events, optin):
    """(ext, the module that said it turned the GIL on, the probe's finding right after
    the import). A case that imports while busy does it while threads run in the
    opted-in module's C code, and probes while they go on."""
    face = request["face"]
    def load():
        return load_face(request["shared_object"], face, request["names"][face],
                         request["functions"])
    if not request.get("import_while_busy"):
        events.phase("import")
        ext, enabled_by = load()
        events.phase("probe")
        return ext, enabled_by, _probe(ext)
    events.phase("late-import")
    with BusyThreads(optin.probe_held) as busy:
        ext, enabled_by = load()
        busy.imported()
        exclusion = busy.parallel_after_import() or _probe(ext)
    return ext, enabled_by, with_busy_evidence(exclusion, busy.tally())


def main(argv):
    faulthandler.enable(all_threads=True)
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    with open(argv[0]) as handle:
        request = json.load(handle)
    events = Events(request["events"])
    events.phase("before")
    optin, before = _before(request)
    events.write("before", exclusion=before, pid=os.getpid())
    if request.get("mode") == "subinterp":
        return subinterp.run_cell(request, events)
    ext, enabled_by, exclusion = _import_face(request, events, optin)
    gil_state.MEASURED = exclusion["gil"]    # what gilcompat.scenario.gil_off() reads
    events.write("imported", exclusion=exclusion, gil_reported=gil_state.gil_reported(),
                 gil_enabled_by=enabled_by)
    events.phase("load")
    stress = request["stress"]
    ext.set_spin(stress["spin"])
    ext.threads = stress["threads"]     # so a scenario need not repeat case.toml
    scenario = load_scenario(request["scenario"], request["case"])
    result = run_stress(
        ext, scenario, stress["threads"], stress["iterations"], stress["rounds"],
        on_round=lambda r, evidence: events.write("round", round=r, evidence=evidence),
        on_phase=events.phase, every_round=stress.get("every_round", False))
    events.phase("after")
    events.write("done", outcome=result.outcome, evidence=result.evidence,
                 rounds=result.rounds, exclusion_after=_probe(ext),
                 gil_reported_after=gil_state.gil_reported())
    if request.get("finalize"):
        events.phase("finalize")    # the case's threads run on into the exit
    return 0
