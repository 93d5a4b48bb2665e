"""The pooling gradient's engine work behind :func:`convpool.pool_backward`.

Average and sum pooling spread each window's gradient over its taps; max and
min hand it to the first winner of each window in row-major order.
"""

from __future__ import annotations

import numpy as np

from ..._plan._shapes import AxisGeometry
from .blocking import pad_block, tap_view
from .pooling import neutral_fill


def spread_grad(grad, geometry, out) -> None:
    """Every tap of every window adds its window's gradient into ``out`` (the padded block's).

    The transpose of a sum pool. ``out`` starts at zero, except where the
    windows tile it exactly (each cell in one window): then each tap's cells
    are written once, by a copy.
    """
    gh, gw = geometry
    tiled = tiles_exactly(geometry, out.shape[1:3])
    for a in range(gh.kernel):
        for b in range(gw.kernel):
            view = tap_view(out, geometry, a, b)
            if tiled:
                np.copyto(view, grad)
            else:
                view += grad


def tiles_exactly(geometry, padded_shape) -> bool:
    """Whether the windows cover every cell of the padded block exactly once."""
    return all(g.kernel == g.stride and g.out * g.stride == n for g, n in zip(geometry, padded_shape, strict=True))


def winner_grad(block, best, grad, geometry, mode: str, out) -> None:
    """Add the gradient of a max (min) pool into ``out`` (the padded block's): all to the first winner.

    ``best`` (b, oh, ow, c) is the block's forward result, from the engine; a tap
    *hits* where its cell equals ``best``. The taps are visited in row-major
    window order and a tap takes the window's gradient where it hits and no
    earlier tap has (``taken``), so with ties the first winner gets it all, as
    in PyTorch. ``out`` starts at zero, except where the windows tile it
    exactly: then each tap writes its cells once.
    """
    gh, gw = geometry
    loser = neutral_fill(block.dtype, mode)
    padded = pad_block(block, geometry, "constant", loser, block.dtype)
    # np.maximum/minimum propagate NaN, which equals nothing: then a NaN cell is the winner.
    nan = block.dtype.kind == "f" and bool(np.isnan(best).any())
    # A padded cell holds ``loser`` and can only tie a window whose real cells all hold it too.
    real = real_taps(gh), real_taps(gw)
    guard = gh.before + gh.after + gw.before + gw.after > 0 and bool((best == loser).any())
    # Multiplying by a 0/1 mask is several times faster than a masked copy, but inf * 0 is NaN.
    finite = grad.dtype.kind != "f" or bool(np.isfinite(grad).all())
    tiled = tiles_exactly(geometry, out.shape[1:3])
    share = None if tiled else np.empty_like(grad)
    taken = None
    for a in range(gh.kernel):
        for b in range(gw.kernel):
            cells = tap_view(padded, geometry, a, b)
            hit = np.equal(cells, best)
            if nan:
                hit |= np.isnan(cells)
            if guard:
                hit &= (real[0][:, a, None] & real[1][None, :, b])[:, :, None]  # (oh, ow, 1)
            last = a == gh.kernel - 1 and b == gw.kernel - 1
            if taken is None:
                taken = hit if last else hit.copy()
            else:
                np.greater(hit, taken, out=hit)  # hit and not taken by an earlier tap
                if not last:  # no later tap asks
                    taken |= hit
            _take(tap_view(out, geometry, a, b), grad, hit, finite, share)


def _take(target, grad, first, finite: bool, share) -> None:
    """``target += grad`` where ``first``; ``share`` is scratch, or ``None`` when ``target`` is unwritten.

    ``None`` means the windows tile the block: ``target`` is written here
    once, with ``grad * first`` (or a masked copy when ``grad`` holds
    non-finite values, as ``inf * 0`` is NaN).
    """
    if share is None:
        if finite:
            np.multiply(grad, first, out=target)
        else:
            target[...] = 0
            np.copyto(target, grad, where=first)
        return
    if finite:
        np.multiply(grad, first, out=share)
        target += share
    else:
        np.add(target, grad, out=target, where=first)


def real_taps(g: AxisGeometry) -> np.ndarray:
    """``real[i, a]``: tap ``a`` of window ``i`` reads an input cell, not padding (shape (out, kernel))."""
    cells = np.arange(g.out)[:, None] * g.stride + np.arange(g.kernel) * g.dilation - g.before
    return (cells >= 0) & (cells < g.size)
