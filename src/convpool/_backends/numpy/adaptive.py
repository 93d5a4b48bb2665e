"""Adaptive pooling on an :class:`~convpool._plan.adaptive.AdaptivePlan`: forward, winners, gradient.

Every reduction here is separable, so the forward pass reduces one spatial axis at a
time, window by window (or, where the windows tile the axis, by one reshape). The
winners of max and min pooling are found per output cell, on the window's cells in
row-major order (first winner, a NaN winning over numbers, as :func:`convpool.pool`),
and the gradient goes to them; average and sum spread it back axis by axis. Written
over the plan's spatial axes, whatever their number.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from .pooling import _REDUCE  # the ufunc of each mode: one table for both poolings


def _along(axis: int, index) -> tuple:
    """The index that takes ``index`` (a slice or an int) along ``axis`` and everything elsewhere."""
    return (slice(None),) * axis + (index,)


def _tiled(windows) -> int | None:
    """The common window length when the windows lie side by side without gaps or overlaps, else ``None``."""
    k = windows[0][1] - windows[0][0]
    return k if all(w == (i * k, (i + 1) * k) for i, w in enumerate(windows)) else None


def _counts(plan) -> np.ndarray:
    """Cells in each window, shape ``(*out, 1)``: the divisor of the average."""
    counts = np.ones((), dtype=np.int64)
    for windows in plan.windows:
        counts = np.multiply.outer(counts, [b - a for a, b in windows])
    return counts[..., None]


def adaptive_pool(plan, images: np.ndarray) -> np.ndarray:
    """images ``(m, *spatial, c)`` -> ``plan.out``: each output the reduction of its window."""
    reduce = _REDUCE[plan.mode]
    summing = plan.mode in ("avg", "sum")
    x = images
    for axis, windows in enumerate(plan.windows, start=1):
        cast = {"dtype": plan.dtype} if summing and x is images else {}  # sums in the plan's dtype: no wrap
        k = _tiled(windows)
        if k is not None:
            split = (*x.shape[:axis], len(windows), k, *x.shape[axis + 1 :])
            x = reduce.reduce(x.reshape(split), axis=axis + 1, **cast)
        else:
            parts = [reduce.reduce(x[_along(axis, slice(a, b))], axis=axis, keepdims=True, **cast) for a, b in windows]
            x = np.concatenate(parts, axis=axis)
    if plan.mode == "avg":
        x = x / _counts(plan).astype(plan.dtype)
    return x.astype(plan.dtype, copy=False)  # a new array: every reduction above allocates its result


def adaptive_winners(plan, images: np.ndarray) -> np.ndarray:
    """For max (min) pooling: each window's first winner, as a flat index into the image plane.

    Returns int64 ``(m, *out, c)``: ``row * w + col`` in 2-D (``np.ravel_multi_index`` of the
    winning cell over the spatial shape), as PyTorch's ``return_indices``.
    """
    spatial = images.shape[1:-1]
    pick = np.argmin if plan.mode == "min" else np.argmax  # the first extreme; a NaN is argmax's first pick
    found = np.empty(plan.out, dtype=np.int64)
    m, c = images.shape[0], images.shape[-1]
    for cell in itertools.product(*(enumerate(w) for w in plan.windows)):
        ranges = [w for _, w in cell]
        window = images[tuple([slice(None), *(slice(a, b) for a, b in ranges), slice(None)])]
        first = pick(window.reshape(m, -1, c), axis=1)  # (m, c)
        offsets = np.unravel_index(first, window.shape[1:-1])
        coords = tuple(a + o for (a, _), o in zip(ranges, offsets, strict=True))
        where: tuple[Any, ...] = (slice(None), *(i for i, _ in cell), slice(None))
        found[where] = np.ravel_multi_index(coords, spatial)
    return found


def scatter_add(values: np.ndarray, indices: np.ndarray, spatial: tuple[int, ...], dtype) -> np.ndarray:
    """``out[n, idx, k] += values[n, ..., k]`` with ``idx = indices[n, ..., k]`` on planes of ``spatial`` cells.

    The adjoint of gathering at ``indices``: repeated indices add up. Returns ``(m, *spatial, c)``.
    """
    m, c = values.shape[0], values.shape[-1]
    out = np.zeros((m, int(np.prod(spatial)), c), dtype=dtype)
    flat = indices.reshape(m, -1, c)
    n, k = np.arange(m)[:, None, None], np.arange(c)[None, None, :]
    np.add.at(out, (n, flat, k), values.reshape(m, -1, c).astype(dtype, copy=False))
    return out.reshape(m, *spatial, c)


def adaptive_pool_backward(plan, grad: np.ndarray, images: np.ndarray) -> np.ndarray:
    """``grad_images`` ``(m, *spatial, c)``: max/min to the first winner, avg/sum spread over the window."""
    if plan.mode in ("max", "min"):
        return scatter_add(grad, adaptive_winners(plan, images), images.shape[1:-1], plan.dtype)
    g = grad.astype(plan.dtype, copy=True)
    if plan.mode == "avg":
        g /= _counts(plan).astype(plan.dtype)
    for axis in reversed(range(1, images.ndim - 1)):
        windows = plan.windows[axis - 1]
        k = _tiled(windows)
        if k is not None:
            g = np.repeat(g, k, axis=axis)
            continue
        spread = np.zeros((*g.shape[:axis], images.shape[axis], *g.shape[axis + 1 :]), dtype=plan.dtype)
        for i, (a, b) in enumerate(windows):
            spread[_along(axis, slice(a, b))] += g[_along(axis, slice(i, i + 1))]
        g = spread
    return np.ascontiguousarray(g)
