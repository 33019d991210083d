"""Thread 0 arms the exit-time crash (GILCOMPAT_TEST_EXIT=code: exit code 3 instead of
a segfault); nothing goes wrong until the child finalizes."""

import os

HOW = 1 if os.environ.get("GILCOMPAT_TEST_EXIT") == "code" else 0


def work(ext, state, thread_index, iterations):
    if thread_index == 0:
        ext.ce_arm(HOW)


def check(ext, state, returns):
    return None
