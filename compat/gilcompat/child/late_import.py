"""Import a face while other threads already run C code: the GIL turned on mid-run.

Busy threads call the opted-in module's GIL-held probe region over and over (with the
GIL off they run it in parallel). Once every one of them has been inside, the cell's
own thread imports the face, as soon as they have overlapped there (or, where nothing
runs in parallel, after BUSY_CALLS calls made while every one of them was going). From
the import on, GIL-held C code must be serialised: the busy calls that began after the
import returned must find no other thread inside. When they do find one, that is the
measurement (the GIL is off); else the probe through the imported face runs while the
busy threads go on (its held region is the same C region, so meeting a busy thread
there counts as an overlap too).

Runs in the child: standard library only.
"""

import threading

from gilcompat.child import gil_state

BUSY_THREADS = 2
BUSY_CALLS = 50           # calls with every busy thread going, where none overlapped
RUNNING_WAIT_S = 5.0      # a loaded machine may take long to schedule every busy thread


class BusyThreads:
    """A context: busy threads in the held region until the block ends; ``imported()``
    marks the moment the import returned; ``tally()`` what they saw before and after."""

    def __init__(self, held):
        self.held = held
        self.stop = threading.Event()
        self.after_import = threading.Event()
        self.changed = threading.Condition()
        self.counts = {"threads": BUSY_THREADS, "calls_before": 0, "overlaps_before": 0,
                       "calls_after": 0, "overlaps_after": 0, "all_running": False}
        self.running = set()
        self.all_running_at = None
        self.threads = [threading.Thread(target=self._body, args=(i,), daemon=True,
                                         name=f"gilcompat-busy-{i}")
                        for i in range(BUSY_THREADS)]

    def _body(self, index):
        while not self.stop.is_set():
            # Read before the call: a call counts as "after" only if it began after.
            after = self.after_import.is_set()
            found = self.held(gil_state.ENTRIES, gil_state.SPIN)
            side = "after" if after else "before"
            with self.changed:
                self.counts[f"calls_{side}"] += 1
                self.counts[f"overlaps_{side}"] += found
                self.running.add(index)
                self.changed.notify_all()

    def _ready(self):
        counts = self.counts
        if len(self.running) < BUSY_THREADS:
            return False
        if self.all_running_at is None:     # calls from here on had every thread going
            self.all_running_at = counts["calls_before"]
        return (counts["overlaps_before"] > 0
                or counts["calls_before"] - self.all_running_at >= BUSY_CALLS)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        with self.changed:
            self.changed.wait_for(self._ready, RUNNING_WAIT_S)
            self.counts["all_running"] = len(self.running) == BUSY_THREADS
        return self

    def imported(self):
        self.after_import.set()

    def parallel_after_import(self):
        """The exclusion record when busy calls that began after the import met another
        thread in the held region (the GIL is off, shown without probe windows), else
        None, once BUSY_CALLS such calls met none. Probe windows would start threads
        while the busy ones keep both cores of a 2-core machine: a thread's start took
        8-58 ms there (3.13t, GIL off), and the probe 200-400 ms."""
        def settled():
            counts = self.counts
            return counts["overlaps_after"] > 0 or counts["calls_after"] >= BUSY_CALLS
        with self.changed:
            self.changed.wait_for(settled, RUNNING_WAIT_S)
            calls, overlaps = self.counts["calls_after"], self.counts["overlaps_after"]
        if not overlaps:
            return None
        return {"gil": False, "entries": calls * gil_state.ENTRIES, "overlaps": overlaps,
                "control_entries": 0, "control_overlaps": 0,
                "measured_in": "the busy threads' calls begun after the import"}

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()
        return False

    def tally(self):
        with self.changed:
            return dict(self.counts)


def with_busy_evidence(exclusion, busy):
    """The probe's finding with the busy threads' counts beside it: a busy call that
    began after the import and met another thread in GIL-held C code means the GIL
    was not serialising, whatever the probe's own windows saw."""
    found = dict(exclusion, busy=busy)
    if busy["overlaps_after"]:
        found["gil"] = False
    return found
