"""The ``subinterp`` mode: each stress thread runs the case in an interpreter of its own,
with its own GIL (PEP 684).

The cell's child makes isolated subinterpreters through the low-level module the
parent names (``_xxsubinterpreters`` on 3.12, ``_interpreters`` from 3.13) and drives
each from a thread of its main interpreter: code runs in interpreter i only from the
thread that stands for it. Nothing but plain data crosses: code goes in as text, and a
value comes back as JSON through a reply file per interpreter.

A cell first tries to import the face's own module (which declares nothing for
per-interpreter GILs) in an interpreter of its own: it must be refused. Where the route
can declare support, the case then runs on the face's twin that does: the probe (held
region in one interpreter, other threads in others), then the scenario's rounds,
``setup`` and ``check`` in every interpreter, ``work`` of thread i in interpreter i.

Runs in the child: standard library only.
"""

import importlib
import json
import os
import sys

from gilcompat.child import gil_state
from gilcompat.child.stress import run_stress

# gilcompat itself, found from this file (child/ is one of its folders).
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# As the child itself was started (pythons/launch.py): gilcompat loaded by path.
BOOTSTRAP = """
import importlib.util, json, sys
sys.path[:] = {path!r}
_spec = importlib.util.spec_from_file_location(
    "gilcompat", {init!r}, submodule_search_locations=[{package!r}])
sys.modules["gilcompat"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sys.modules["gilcompat"])
def _gilcompat_reply(value, _path={reply!r}):
    with open(_path, "w") as handle:
        json.dump(value, handle)
"""

TRY_IMPORT = """
from gilcompat.child.faces import load_face
try:
    load_face({shared_object!r}, {face!r}, {names!r}, [])
    _gilcompat_reply({{"refused": False, "error": None}})
except ImportError as exc:
    _gilcompat_reply({{"refused": True, "error": str(exc)}})
"""

LOAD = """
from gilcompat.child import gil_state
from gilcompat.child.faces import load_face
from gilcompat.child.stress import load_scenario
ext, _ = load_face({shared_object!r}, {face!r}, {names!r}, {functions!r})
ext.set_spin({spin!r})
ext.threads, ext.interpreter_index, ext.interpreters = {threads!r}, {index!r}, {count!r}
scenario = load_scenario({scenario!r}, {case!r})
_state = None
"""


class SubInterpreterError(Exception):
    """Code raised inside a subinterpreter (the text is its traceback)."""


class OwnGilInterpreters:
    """Isolated interpreters, each with its own GIL; a context that destroys them."""

    def __init__(self, module_name, folder):
        self.low = importlib.import_module(module_name)
        self.since_313 = hasattr(self.low, "exec")
        self.folder = folder
        self.ids = []

    def create(self):
        """A new interpreter, ready to run our code; its index."""
        if self.since_313:
            interp = self.low.create("isolated")
        else:
            interp = self.low.create(isolated=True)
        self.ids.append(interp)
        index = len(self.ids) - 1
        package = PACKAGE_DIR
        self.run(index, BOOTSTRAP.format(path=list(sys.path), reply=self._reply(index),
                                         init=os.path.join(package, "__init__.py"),
                                         package=package))
        return index

    def _reply(self, index):
        return os.path.join(self.folder, f"subinterp-{index}.json")

    def run(self, index, code):
        if self.since_313:
            failure = self.low.exec(self.ids[index], code)
            if failure is not None:
                raise SubInterpreterError(failure.errdisplay or failure.formatted)
            return
        try:
            self.low.run_string(self.ids[index], code)
        except self.low.RunFailedError as exc:
            raise SubInterpreterError(str(exc)) from None

    def reply(self, index):
        """What interpreter ``index`` last passed to ``_gilcompat_reply``."""
        with open(self._reply(index)) as handle:
            return json.load(handle)

    def call(self, index, expression):
        """The value of ``expression`` in interpreter ``index`` (plain data only)."""
        self.run(index, f"_gilcompat_reply({expression})")
        return self.reply(index)

    def destroy(self, index):
        self.low.destroy(self.ids[index])
        self.ids[index] = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for index, interp in enumerate(self.ids):
            if interp is not None:
                self.destroy(index)
        return False


class RemoteScenario:
    """The scenario as the stress engine calls it, each call run where it belongs:
    ``setup`` and ``check`` in every worker interpreter, ``work`` of thread i in
    ``indexes[i]``."""

    def __init__(self, subs, indexes):
        self.subs, self.indexes = subs, indexes

    def setup(self, ext):
        for index in self.indexes:
            self.subs.run(index, "_state = scenario.setup(ext) "
                                 "if hasattr(scenario, 'setup') else None")

    def work(self, ext, state, thread_index, iterations):
        return self.subs.call(self.indexes[thread_index],
                              f"scenario.work(ext, _state, {thread_index}, {iterations})")

    def check(self, ext, state, returns):
        text = json.dumps(returns)
        for position, index in enumerate(self.indexes):
            evidence = self.subs.call(index, f"scenario.check(ext, _state, json.loads({text!r}))")
            if evidence:
                return f"interpreter {position}: {evidence}"
        return None


def try_import(subs, request):
    """Import the face's own module in a fresh interpreter with its own GIL:
    {"module", "refused", "error"}."""
    face = request["face"]
    names = request["names"][face]
    index = subs.create()
    try:
        subs.run(index, TRY_IMPORT.format(shared_object=request["shared_object"], face=face,
                                          names=names))
        found = subs.reply(index)
    finally:
        subs.destroy(index)
    return dict(found, module=names["module"])


def load_everywhere(subs, request, count):
    """``count`` new interpreters, each with the face's own-GIL twin and the scenario
    loaded; their indexes, thread i's first."""
    face, stress = request["face"], request["stress"]
    names = dict(request["names"][face], module=request["names"][face]["own_gil_module"])
    indexes = []
    for position in range(count):
        index = subs.create()
        subs.run(index, LOAD.format(
            shared_object=request["shared_object"], face=face, names=names,
            functions=request["functions"], spin=stress["spin"], threads=stress["threads"],
            index=position, count=count, scenario=request["scenario"], case=request["case"]))
        indexes.append(index)
    return indexes


def measure_across(subs, indexes, folder):
    """The exclusion probe, thread i's part of each window run inside interpreter
    ``indexes[i]`` (a call per entry into another interpreter would cost more than the
    region it measures), the threads met at a gate mapped by every interpreter."""
    from gilcompat.child.threads import run_together
    chosen = indexes[:gil_state.THREADS]
    path = os.path.join(folder, "probe-gate")
    gate = gil_state.make_gate(path, len(chosen))
    for slot, index in enumerate(chosen):
        subs.run(index, f"_gate = gil_state.Gate({path!r}, {len(chosen)}); _slot = {slot}")

    def window(region):
        def run(stop_at):
            gate.reset()
            parts = run_together(len(chosen), lambda i: subs.call(
                chosen[i], f"gil_state.gated_window(ext.{region}, _gate, _slot, {stop_at})"))
            failed = next((p.error for p in parts if p.error), None)
            if failed:
                raise SubInterpreterError(failed)
            if not all(p.value[2] for p in parts):     # someone never came: no window
                return 0, 0
            return (sum(p.value[0] for p in parts), sum(p.value[1] for p in parts))
        return run
    found = gil_state.measure_with(window("probe_held"), window("probe_free"))
    if found["gil"] is True:
        # "On" rests on overlaps that did not happen; interpreters driven from threads
        # of another are scheduled more unevenly than threads of one, so it takes a
        # second probe agreeing (an overlap in either is proof the other way).
        again = gil_state.measure_with(window("probe_held"), window("probe_free"))
        if again["gil"] is not True:
            return dict(again, first=found)
        found = dict(found, confirmed_by=again)
    return found


def _refusal_text(refusal):
    if refusal["refused"]:
        return f"{refusal['module']} refused in an interpreter with its own GIL: " \
               f"{refusal['error']}"
    return (f"{refusal['module']} loaded in an interpreter with its own GIL, although it "
            "declares no per-interpreter GIL support")


def run_cell(request, events):
    """The cell in interpreters with their own GIL: the same events as a cell in the
    main interpreter, plus ``refusal``. A face whose route cannot declare support
    (cffi's modules, single-phase) stops after the refusal: that is its whole test."""
    stress = request["stress"]
    folder = os.path.dirname(request["events"])
    with OwnGilInterpreters(request["subinterpreters"], folder) as subs:
        events.phase("refusal")
        refusal = try_import(subs, request)
        events.write("refusal", **refusal)
        if not request["names"][request["face"]]["own_gil_module"]:
            events.phase("after")
            events.write("done", outcome="holds" if refusal["refused"] else "broken",
                         evidence=_refusal_text(refusal), rounds=0, exclusion_after=None,
                         gil_reported_after=None, refusal_only=True)
            return 0
        events.phase("import")
        indexes = load_everywhere(subs, request, max(gil_state.THREADS, stress["threads"]))
        events.phase("probe")
        exclusion = measure_across(subs, indexes, folder)
        for index in indexes:
            subs.run(index, f"gil_state.MEASURED = {exclusion['gil']!r}")
        events.write("imported", exclusion=exclusion, gil_enabled_by=None,
                     gil_reported=subs.call(indexes[0], "gil_state.gil_reported()"))
        events.phase("load")
        result = run_stress(
            None, RemoteScenario(subs, indexes[:stress["threads"]]), stress["threads"],
            stress["iterations"], stress["rounds"],
            on_round=lambda r, evidence: events.write("round", round=r, evidence=evidence),
            on_phase=events.phase, every_round=stress.get("every_round", False))
        events.phase("after")
        events.write("done", outcome=result.outcome, evidence=result.evidence,
                     rounds=result.rounds,
                     exclusion_after=measure_across(subs, indexes, folder),
                     gil_reported_after=None)
        # Objects a case let cross interpreters die with theirs: a crash here is the
        # case's hazard showing, not the harness failing.
        events.phase("teardown")
    return 0
