"""The main job: the exercise's seven tasks on the embedded sample data."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from . import conv, data, kernels
from .pool import pool


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


def _tasks() -> list[tuple[str, str, str, Callable[[np.ndarray], np.ndarray]]]:
    """(file name, call, which batch, function of the batch), as in the spec's main files."""
    return [
        (
            "0-convolve_grayscale_valid",
            "kernel [[1, 0, -1]] * 3, valid (no padding), stride 1",
            "gray",
            lambda x: conv.convolve_grayscale_valid(x, kernels.spec_edge()),
        ),
        (
            "1-convolve_grayscale_same",
            "same kernel, 'same' (1 per side), stride 1",
            "gray",
            lambda x: conv.convolve_grayscale_same(x, kernels.spec_edge()),
        ),
        (
            "2-convolve_grayscale_padding",
            "padding (2, 4): 2 rows, 4 cols per side",
            "gray",
            lambda x: conv.convolve_grayscale_padding(x, kernels.spec_edge(), (2, 4)),
        ),
        (
            "3-convolve_grayscale",
            "valid (no padding), stride (2, 2)",
            "gray",
            lambda x: conv.convolve_grayscale(x, kernels.spec_edge(), padding="valid", stride=(2, 2)),
        ),
        (
            "4-convolve_channels",
            "sharpen (3, 3, 3), valid, stride 1",
            "rgb",
            lambda x: conv.convolve_channels(x, kernels.spec_sharpen(), padding="valid"),
        ),
        (
            "5-convolve",
            "3 kernels (3, 3, 3, 3), valid, stride 1",
            "rgb",
            lambda x: conv.convolve(x, kernels.spec_kernels(), padding="valid"),
        ),
        ("6-pool", "avg pool 2x2, valid, stride (2, 2)", "rgb", lambda x: pool(x, (2, 2), (2, 2), mode="avg")),
    ]


def run_tasks() -> list[TaskRun]:
    """Run the seven tasks on :func:`convpool.data.grayscale_batch` / :func:`~convpool.data.rgb_batch`."""
    batches = {"gray": data.grayscale_batch(), "rgb": data.rgb_batch()}
    return [TaskRun(name, call, batches[which], fn(batches[which])) for name, call, which, fn in _tasks()]
