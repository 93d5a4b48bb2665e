"""Time a student's function on the spec's workload beside convpool.

The spec's main files run on 50000 grayscale or 10000 colour images; the
default check times a few hundred (the embedded samples, repeated) and
extrapolates linearly in the batch, and says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..exercise import SPEC_BATCH, Task
from .cases import Case, battery
from .findings import Outcome

#: Images timed by default, per task kind (the spec's batches are 50000 and 10000).
TIMED_BATCH = {"gray": 512, "channels": 256, "bank": 256, "pool": 256}

#: Seconds the timed call may take before it is reported as too slow.
TIMING_SECONDS = 30.0


@dataclass
class Timing:
    """Seconds on ``batch`` images for the student and convpool, and both extrapolated to ``spec_batch``."""

    batch: int
    spec_batch: int
    student: float | None
    convpool: float
    timed_out: bool = False

    def scaled(self, seconds: float) -> float:
        return seconds * self.spec_batch / self.batch

    @property
    def ratio(self) -> float | None:
        return None if self.student is None else self.student / max(self.convpool, 1e-9)


def timing_case(task: Task, batch: int | None = None) -> Case:
    """The spec's workload case, with its images repeated up to ``batch``."""
    spec = battery(task)[-1]
    m = batch or TIMED_BATCH[task.kind]
    images = spec.images
    images = np.concatenate([images] * -(-m // len(images)))[:m]
    label = f"the spec's {task.number}-main.py workload on {m} images"
    case = Case(label, (images, *spec.args[1:]), dict(spec.kwargs), spec=True, timeout=TIMING_SECONDS, repeats=3)
    return case


def convpool_seconds(task: Task, case: Case, repeats: int = 3) -> float:
    """Median wall time of convpool on ``case``."""
    reference = task.reference()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        reference(*case.args, **case.kwargs)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def measure(task: Task, case: Case, outcome: Outcome | None) -> Timing:
    """The timing of the student's timed calls (``outcome``, a median) beside convpool's on the same case."""
    m = len(case.images)
    timed_out = outcome is not None and outcome.status == "timeout"
    seconds = outcome.seconds if outcome is not None and outcome.status == "ok" else None
    return Timing(m, SPEC_BATCH[task.kind], seconds, convpool_seconds(task, case), timed_out)
