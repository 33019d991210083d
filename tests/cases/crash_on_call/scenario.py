"""Thread 1 crashes the process in work(); thread 0 does nothing.

With GILCOMPAT_TEST_CRASH_PHASE=setup or =check the crash happens in that phase
instead (the harness must then call it an error of that phase, not the race showing).
"""

import os

PHASE = os.environ.get("GILCOMPAT_TEST_CRASH_PHASE", "stress")


def setup(ext):
    if PHASE == "setup":
        ext.cc_crash(0)


def work(ext, state, thread_index, iterations):
    if thread_index == 1 and PHASE == "stress":
        ext.cc_crash(0)


def check(ext, state, returns):
    if PHASE == "check":
        ext.cc_crash(0)
    return None
