"""Pooling: one pass of ``np.maximum``/``np.minimum``/``np.add`` per window offset, block by block."""

from __future__ import annotations

import numpy as np

from .._shapes import window_counts
from .blocking import batch_blocks, pad_block, tap_view

_REDUCE = {"max": np.maximum, "min": np.minimum, "avg": np.add, "sum": np.add}


def _neutral(dtype: np.dtype, mode: str):
    """A padding value that never wins a max (or min) and adds nothing to a sum."""
    if mode in ("avg", "sum"):
        return 0
    if dtype.kind == "b":
        return mode == "min"
    if dtype.kind == "f":
        return -np.inf if mode == "max" else np.inf
    info = np.iinfo(dtype)
    return info.min if mode == "max" else info.max


def pool_windows(images, geometry, mode: str, count_include_pad: bool, dtype) -> np.ndarray:
    """Batched pooling of checked arguments.

    Parameters
    ----------
    images : ndarray, shape (m, h, w, c)
    geometry : pair of AxisGeometry (height, width)
    mode : 'max', 'min', 'avg' or 'sum'
    count_include_pad : bool
        For 'avg': divide by ``kh * kw`` instead of the number of real cells.
    dtype : dtype to compute and return in

    Returns
    -------
    ndarray, shape (m, oh, ow, c), a new array of ``dtype``.
    """
    m, _, _, c = images.shape
    gh, gw = geometry
    out = np.empty((m, gh.out, gw.out, c), dtype=dtype)
    reduce = _REDUCE[mode]
    fill = _neutral(dtype, mode)
    per_image = (gh.padded * gw.padded + gh.out * gw.out) * c * dtype.itemsize
    for rows in batch_blocks(m, per_image):
        padded = pad_block(images[rows], geometry, "constant", fill, dtype)
        acc = out[rows]
        for a in range(gh.kernel):
            for b in range(gw.kernel):
                view = tap_view(padded, geometry, a, b)
                if (a, b) == (0, 0):
                    acc[...] = view
                else:
                    reduce(acc, view, out=acc)
    if mode == "avg":
        out /= _divisor(geometry, count_include_pad, dtype)
    return out


def _divisor(geometry, count_include_pad: bool, dtype):
    """Cells averaged per window: all ``kh * kw``, or only the real ones, shape (oh, ow, 1)."""
    gh, gw = geometry
    if count_include_pad:
        return dtype.type(gh.kernel * gw.kernel)
    counts = np.outer(window_counts(gh), window_counts(gw))
    return counts.astype(dtype)[:, :, None]
