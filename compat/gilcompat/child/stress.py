"""The stress engine: rounds of threads released together, checked after each round.

A scenario module provides:

- ``setup(ext)`` -> state (optional; called before every round, so each round starts
  from a reset),
- ``work(ext, state, thread_index, iterations)`` -> anything (run by every thread),
- ``check(ext, state, returns)`` -> ``None`` when the guarantee held, else the evidence
  as a string (``returns`` lists what each thread's ``work`` returned, by index).

The run stops at the first round with evidence. Runs in the child: standard library
only, no dataclasses or typing (start-up time is paid once per cell).
"""

import importlib.util

from gilcompat.child.threads import run_together


def load_scenario(path, case):
    """The case's scenario.py, as a module of its own."""
    spec = importlib.util.spec_from_file_location(f"gilcompat_scenario_{case}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class StressResult:
    def __init__(self, outcome, evidence, rounds):
        self.outcome = outcome      # "holds", "broken" or "error"
        self.evidence = evidence
        self.rounds = rounds


def _quiet(*args):
    pass


def run_stress(ext, scenario, threads, iterations, rounds, on_round=_quiet, on_phase=_quiet,
               every_round=False):
    """Run up to ``rounds`` rounds; ``on_round(round, evidence)`` after each, and
    ``on_phase(phase, round)`` as each round enters ``setup``, ``stress`` and ``check``
    (so a crash or hang can be placed: only one in ``stress`` is the race showing).
    The run stops at the first round with evidence, unless ``every_round`` (measuring
    how often a round shows the break: bench/power.py); then the first evidence is
    the result."""
    first = None
    setup = getattr(scenario, "setup", lambda ext: None)
    for round_index in range(1, rounds + 1):
        on_phase("setup", round_index)
        state = setup(ext)
        on_phase("stress", round_index)
        returns = run_together(
            threads, lambda i: scenario.work(ext, state, i, iterations))
        on_phase("check", round_index)
        failed = [r.error for r in returns if r.error]
        if failed:
            return StressResult("error", "scenario raised in a worker thread:\n" + failed[0],
                                round_index)
        evidence = scenario.check(ext, state, [r.value for r in returns])
        on_round(round_index, evidence)
        if evidence and first is None:
            first = StressResult("broken", f"round {round_index}: {evidence}", round_index)
        if first is not None and not every_round:
            return first
    if first is not None:     # every round ran
        return StressResult(first.outcome, first.evidence, rounds)
    return StressResult("holds", "", rounds)
