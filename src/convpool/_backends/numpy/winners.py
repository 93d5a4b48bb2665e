"""Max (min) pooling's winners as PyTorch's ``return_indices`` gives them, and the scatter and gather of unpooling.

A winner is the first cell of its window, in row-major tap order, that equals the window's result
(a NaN, which equals nothing, wins where the result is NaN), among the real cells only: padding
never wins. Its index is flat in the unpadded image plane, ``row * w + col`` in 2-D. Written over
the plan's spatial axes, whatever their number.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..._plan.plans import engine_pool_plan
from . import ranks
from .blocking import BLOCK_BYTES, batch_blocks
from .pooling import neutral_fill, pool_windows


def _tap(g, t: int) -> slice:
    """The padded cells tap ``t`` of every window reads along one axis."""
    start = t * g.dilation
    return slice(start, start + (g.out - 1) * g.stride + 1, g.stride)


def _cells(g, t: int) -> np.ndarray:
    """The input cell tap ``t`` of each window reads along one axis (negative or ``>= size``: padding)."""
    return np.arange(g.out) * g.stride + t * g.dilation - g.before


def pool_winners(plan, images: np.ndarray) -> np.ndarray:
    """int64 ``(m, *out, c)``: the flat index of each window's first winner in its image plane."""
    geometry = plan.geometry
    spatial = images.shape[1:-1]
    found = np.empty(plan.out, dtype=np.int64)
    per_image = images[0].nbytes * 3 + int(np.prod(plan.out[1:])) * 10
    for rows in batch_blocks(images.shape[0], per_image, BLOCK_BYTES):
        found[rows] = _block_winners(images[rows], geometry, plan.mode, spatial)
    return found


def _best(block, geometry, mode: str) -> np.ndarray:
    """The window's result in the images' own dtype: the 2-D engine, or any rank's pooling (:mod:`.ranks`)."""
    if len(geometry) == 2:
        return pool_windows(block, geometry, mode, False, block.dtype, 1)
    return ranks.pool(engine_pool_plan(block.shape, geometry, mode, False, block.dtype, 1), block)


def _block_winners(block, geometry, mode: str, spatial) -> np.ndarray:
    best = _best(block, geometry, mode)
    loser = neutral_fill(block.dtype, mode)
    widths = ((0, 0), *((g.before, g.after) for g in geometry), (0, 0))
    padded = np.pad(block, widths, constant_values=loser)
    nan = block.dtype.kind == "f" and bool(np.isnan(best).any())
    found = np.zeros(best.shape, dtype=np.int64)
    taken = np.zeros(best.shape, dtype=bool)
    rank = len(geometry)
    for taps in itertools.product(*(range(g.kernel) for g in geometry)):
        cells = padded[tuple([slice(None), *(_tap(g, t) for g, t in zip(geometry, taps, strict=True))])]
        hit = cells == best
        if nan:
            hit |= np.isnan(cells)
        real = np.ones((1,) * (rank + 2), dtype=bool)
        flat = np.zeros((1,) * (rank + 2), dtype=np.int64)
        for axis, (g, t) in enumerate(zip(geometry, taps, strict=True)):
            shape = [1] * (rank + 2)
            shape[axis + 1] = g.out
            where = _cells(g, t).reshape(shape)
            real = real & (where >= 0) & (where < g.size)
            flat = flat * spatial[axis] + where
        first = hit & real & ~taken
        np.copyto(found, flat, where=first)
        taken |= first
    return found


def check_indices(indices: np.ndarray, cells: int) -> None:
    """Every index must name a cell of a plane of ``cells`` cells: ``0 <= index < cells``."""
    if indices.size and (indices.min() < 0 or indices.max() >= cells):
        raise ValueError(
            f"indices must lie in [0, {cells}) (flat indices into an output plane of {cells} cells), "
            f"got values from {int(indices.min())} to {int(indices.max())}"
        )


def unpool(plan, values: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """``out[n, indices[n, ..., k], k] = values[n, ..., k]`` on zeroed planes ``(m, *plan.spatial, c)``."""
    m, c = values.shape[0], values.shape[-1]
    cells = int(np.prod(plan.spatial))
    check_indices(indices, cells)
    out = np.zeros((m, cells, c), dtype=plan.dtype)
    n, k = np.arange(m)[:, None, None], np.arange(c)[None, None, :]
    out[n, indices.reshape(m, -1, c), k] = values.reshape(m, -1, c)
    return out.reshape(m, *plan.spatial, c)


def unpool_backward(plan, grad: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """``grad_values[n, ..., k] = grad[n, indices[n, ..., k], k]``: the gather, adjoint of unpooling's scatter."""
    m, c = grad.shape[0], grad.shape[-1]
    check_indices(indices, int(np.prod(plan.spatial)))
    flat = grad.reshape(m, -1, c).astype(plan.dtype, copy=False)
    return np.take_along_axis(flat, indices.reshape(m, -1, c), axis=1).reshape(indices.shape)
