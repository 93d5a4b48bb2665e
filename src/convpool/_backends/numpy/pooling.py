"""Pooling as two 1-D passes (rows, then columns), block by block over the batch.

Every pooling reduction here (max, min, sum) is separable: the reduction over
a ``kh x kw`` window is the reduction over ``kh`` rows of the reductions over
``kw`` columns. So each block makes ``kh`` passes down the rows (contiguous
``w * c`` runs) and then ``kw`` passes across the columns of a block already
``sh`` times smaller, instead of ``kh * kw`` passes. Padding is never built:
each tap touches only the outputs whose cell is real (see ``taps``), and
outputs no tap reaches hold the neutral fill. Integer input is cast inside
the first pass, one block at a time.
"""

from __future__ import annotations

import numpy as np

from ..._plan._shapes import average_divisor, band
from . import tiles
from .blocking import BLOCK_BYTES, batch_blocks
from .scratch import scratch
from .taps import lead_span, lead_tap, tap_span
from .threads import resolve_threads, run_blocks

_REDUCE = {"max": np.maximum, "min": np.minimum, "avg": np.add, "sum": np.add}

#: Working set one pooling block (or band of rows) aims for: the engine's block budget (1-8 MiB measured).
POOL_BLOCK_BYTES = BLOCK_BYTES


def neutral_fill(dtype: np.dtype, mode: str):
    """A fill value that never wins a max (or min) and adds nothing to a sum.

    The backward pass uses it too: a padded cell holding it wins a window
    only by tying with it.
    """
    if mode in ("avg", "sum"):
        return 0
    if dtype.kind == "b":
        return mode == "min"
    if dtype.kind == "f":
        return -np.inf if mode == "max" else np.inf
    info = np.iinfo(dtype)
    return info.min if mode == "max" else info.max


def _reduce_pass(dst_of, src_of, g, reduce, fill, whole=None) -> None:
    """``dst = reduce over taps a of src[i * stride + a - before]`` along one axis.

    ``dst_of``/``src_of`` map a slice of the axis to a view. The pass starts
    from the first two taps that reach every output; when none does (a 1-cell axis with
    window 2 and one cell of padding each side: each tap reaches one output),
    ``dst`` starts as ``fill`` and every tap is reduced into the outputs it reaches.
    Which taps lead is decided on ``whole``, the whole axis's geometry when ``g``
    is a tile's band of it, so that a tile sums in the whole image's order.
    """
    whole = whole or g
    first = lead_tap(whole, range(g.kernel))
    second = None if first is None else lead_tap(whole, range(first + 1, g.kernel))
    spans = [s for s in (tap_span(g, a) for a in range(g.kernel) if a not in (first, second)) if s is not None]
    if first is None:
        dst_of(slice(None))[...] = fill
    elif second is None:
        out_sl, in_sl = lead_span(g, first)
        np.copyto(dst_of(out_sl), src_of(in_sl), casting="unsafe")
    else:  # the first two taps in one pass: reduce(x0, x1) -> dst
        (out_sl, in0), (_, in1) = lead_span(g, first), lead_span(g, second)
        reduce(src_of(in0), src_of(in1), out=dst_of(out_sl), dtype=dst_of(out_sl).dtype)
    for out_sl, in_sl in spans:
        dst = dst_of(out_sl)
        reduce(dst, src_of(in_sl), out=dst, casting="unsafe")


def pool_windows(
    images, geometry, mode: str, count_include_pad: bool, dtype, threads: int | None = None, out=None
) -> np.ndarray:
    """Batched pooling of checked arguments.

    Parameters
    ----------
    images : ndarray, shape (m, h, w, c)
    geometry : pair of AxisGeometry (height, width)
    mode : 'max', 'min', 'avg' or 'sum'
    count_include_pad : bool
        For 'avg': divide by ``kh * kw`` instead of the number of real cells.
    dtype : dtype to compute and return in
    threads : int or None
        Threads over batch blocks; ``None``: ``$CONVPOOL_NUM_THREADS`` or the cores.
    out : ndarray, shape (m, oh, ow, c), optional
        Checked by the caller (``dtype``, no memory shared with ``images``); written in place, any strides.

    Returns
    -------
    ndarray, shape (m, oh, ow, c), a new array of ``dtype`` (or ``out``).
    """
    m, h, w, c = images.shape
    gh, gw = geometry
    out = np.empty((m, gh.out, gw.out, c), dtype=dtype) if out is None else out
    reduce = _REDUCE[mode]
    fill = neutral_fill(dtype, mode)
    scale = None
    if mode == "avg":
        scale = 1 / average_divisor(geometry, count_include_pad).astype(dtype)
        if np.ndim(scale) == 0:
            scale = dtype.type(scale)
    units = _work_units(m, geometry, images.itemsize * c, dtype.itemsize * c)

    def work(unit) -> None:
        rows, (r0, r1), (c0, c1) = unit
        (row_sl, bh), (col_sl, bw) = _tile(gh, r0, r1), _tile(gw, c0, c1)
        block = images[rows, row_sl, col_sl]
        dst = out[rows, r0:r1, c0:c1]
        tall = scratch("pool_tall", (block.shape[0], bh.out, block.shape[2], c), dtype)
        _reduce_pass(lambda sl: tall[:, sl], lambda sl: block[:, sl], bh, reduce, fill, gh)
        _reduce_pass(lambda sl: dst[:, :, sl], lambda sl: tall[:, :, sl], bw, reduce, fill, gw)
        if scale is not None:
            np.multiply(dst, scale if np.ndim(scale) == 0 else scale[r0:r1, c0:c1], out=dst)

    run_blocks(work, units, resolve_threads(threads))
    return out


def _tile(g, lo: int, hi: int):
    """Outputs ``[lo, hi)`` of one axis: the input slice they read and their own geometry (see ``band``)."""
    return (slice(None), g) if (lo, hi) == (0, g.out) else band(g, lo, hi)


def _work_units(m: int, geometry, cell: int, out_cell: int):
    """``(batch slice, rows, columns)`` units of about ``POOL_BLOCK_BYTES`` each.

    Small images go whole, several to a block; an image too big for one block
    is cut into tiles of output rows (and columns when one row is too long),
    so the row-pass result stays in cache. ``cell``/``out_cell``: bytes of one
    input/computed cell across the channels.
    """
    gh, gw = geometry

    def cost(g) -> int:  # its input rows, the row-pass result and the output
        bh, bw = g
        return bh.out * (bh.stride * bw.padded * cell + (bw.padded + bw.out) * out_cell)

    whole = ((0, gh.out), (0, gw.out))
    per_image = cost(geometry)
    if per_image <= POOL_BLOCK_BYTES or m == 0:
        return [(rows, *whole) for rows in batch_blocks(m, per_image, POOL_BLOCK_BYTES)]
    plan = tiles.plan(geometry, cost, POOL_BLOCK_BYTES, threshold=POOL_BLOCK_BYTES) or [whole]
    return [(slice(n, n + 1), r, c) for n in range(m) for r, c in plan]
