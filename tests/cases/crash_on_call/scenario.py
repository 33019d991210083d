"""Thread 1 crashes the process in work(); thread 0 does nothing.

With GILCOMPAT_TEST_CRASH_PHASE=setup or =check the crash happens in that phase
instead (the harness must then call it an error of that phase, not the race showing).
With =after-break, round 1's check reports a break and round 2's setup crashes (a cell
run with every_round): the break was shown before the child went down.
"""

import os

PHASE = os.environ.get("GILCOMPAT_TEST_CRASH_PHASE", "stress")
_checked = []


def setup(ext):
    if PHASE == "setup" or (PHASE == "after-break" and _checked):
        ext.cc_crash(0)


def work(ext, state, thread_index, iterations):
    if thread_index == 1 and PHASE == "stress":
        ext.cc_crash(0)


def check(ext, state, returns):
    if PHASE == "check":
        ext.cc_crash(0)
    if PHASE == "after-break":
        _checked.append(True)
        return "broken on purpose"
    return None
