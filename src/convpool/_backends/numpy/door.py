"""The NumPy backend's door: how a call's arrays become NumPy arrays, and their metadata."""

from __future__ import annotations

import numpy as np

from ..._plan import checks as check

#: A NumPy result is computed now (a Dask one later: its whole output need not fit in memory).
LAZY = False


def prepare(value, name: str, layout: str) -> np.ndarray:
    """``np.asarray(value)``, refusing what NumPy cannot read with a message naming ``name``."""
    return check.as_array(value, name, layout=layout)


def meta(array: np.ndarray) -> tuple[tuple[int, ...], np.dtype]:
    """``(shape, dtype)``: what a plan is built from."""
    return array.shape, array.dtype


def add_axis(array: np.ndarray) -> np.ndarray:
    """A trailing axis of length 1 (a view): how the grayscale and channel forms reach ``convolve``."""
    return array[..., None]


def broadcast(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``array`` repeated to ``shape`` without a copy (a kernel for every channel)."""
    return np.broadcast_to(array, shape)


def permute(array: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """``array`` with its axes in the order ``axes`` (a view): how ``layout='channels_first'`` is read."""
    return np.transpose(array, axes)
