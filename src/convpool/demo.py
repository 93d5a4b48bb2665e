"""The main job: the exercise's seven tasks on the embedded sample data."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import data
from .exercise import TASKS


class TaskRun(NamedTuple):
    """One task's name, call description, input batch and result."""

    name: str
    call: str
    images: np.ndarray
    result: np.ndarray

    def example_index(self) -> int:
        """The input with the most edges (largest mean step between neighbouring pixels): the one to show."""
        x = self.images.astype(np.float64)
        steps = np.abs(np.diff(x, axis=1)).mean(axis=tuple(range(1, x.ndim)))
        steps += np.abs(np.diff(x, axis=2)).mean(axis=tuple(range(1, x.ndim)))
        return int(np.argmax(steps))

    def panels(self) -> list[np.ndarray]:
        """The shown input's result as pictures: one per kernel for ``convolve``, else one."""
        shown = self.result[self.example_index()]
        if self.name == "5-convolve":
            return [shown[..., o] for o in range(shown.shape[-1])]
        return [shown]


def run_tasks() -> list[TaskRun]:
    """Run the seven tasks (:data:`convpool.exercise.TASKS`) on the sample batches, as the spec's main files do.

    The batches are :func:`convpool.data.grayscale_batch` and :func:`~convpool.data.rgb_batch`.
    """
    batches = {"gray": data.grayscale_batch(), "rgb": data.rgb_batch()}
    return [TaskRun(t.stem, t.call, batches[t.batch], t.run(batches[t.batch])) for t in TASKS]
