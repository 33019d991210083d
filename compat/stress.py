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

from compat.threading_helpers import run_together


class StressResult:
    def __init__(self, outcome, evidence, rounds):
        self.outcome = outcome      # "holds", "broken" or "error"
        self.evidence = evidence
        self.rounds = rounds


def run_stress(ext, scenario, threads, iterations, rounds, on_round=lambda r, e: None):
    """Run up to ``rounds`` rounds; ``on_round(round, evidence)`` after each."""
    setup = getattr(scenario, "setup", lambda ext: None)
    for round_index in range(1, rounds + 1):
        state = setup(ext)
        returns = run_together(
            threads, lambda i: scenario.work(ext, state, i, iterations))
        failed = [r.error for r in returns if r.error]
        if failed:
            return StressResult("error", "scenario raised in a worker thread:\n" + failed[0],
                                round_index)
        evidence = scenario.check(ext, state, [r.value for r in returns])
        on_round(round_index, evidence)
        if evidence:
            return StressResult("broken", f"round {round_index}: {evidence}", round_index)
    return StressResult("holds", "", rounds)
