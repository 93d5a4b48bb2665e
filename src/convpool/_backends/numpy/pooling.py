"""Pooling as two 1-D passes (rows, then columns), block by block over the batch.

Every pooling reduction here (max, min, sum) is separable: the reduction over
a ``kh x kw`` window is the reduction over ``kh`` rows of the reductions over
``kw`` columns. So each block makes ``kh`` passes down the rows (contiguous
``w * c`` runs) and then ``kw`` passes across the columns of a block already
``sh`` times smaller, instead of ``kh * kw`` passes. Padding is never built:
each tap touches only the outputs whose cell is real (see ``taps``), and
outputs no tap reaches hold the neutral fill. Integer input is cast inside
the first pass, one block at a time; sums of 8- and 16-bit integers run in
integers just wide enough, cast once at the end (see :func:`accumulator`).
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

#: Channels (from 2) below which the column pass runs on whole flattened rows (:func:`_full_width_columns`);
#: one channel is already a long strided run. Measured on 2x2 pools of 2-32 channels, uint8 and float32, 2
#: threads: 1.2-2.3x faster for 2-6 channels, even at 7-8, slower from 12 (1.2-2x).
FULL_WIDTH_CHANNELS = 7
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


def accumulator(in_dtype: np.dtype, dtype: np.dtype, mode: str, taps: int) -> np.dtype:
    """The dtype a pooling's passes run in: ``dtype``, or integers for sums of integers.

    A sum (or average) of at most ``taps`` integers is exact in float ``dtype``
    while it stays below ``2 ** (nmant + 1)``; then summing in the narrowest
    integer type that holds it, and casting once at the end, gives the float
    sums bit for bit and skips a cast to float in every first pass (2x2
    average of ``(10000, 32, 32, 3)`` uint8: the row pass in uint16 is 6 ms
    against 18 ms into float64, one thread). Used only where the integers are
    no wider than ``dtype``.
    """
    if mode not in ("avg", "sum") or in_dtype.kind not in "ui" or dtype.kind != "f":
        return dtype
    info = np.iinfo(in_dtype)
    bound = taps * max(int(info.max), -int(info.min))
    if bound >= 2 ** (np.finfo(dtype).nmant + 1):
        return dtype
    wider = ("int16", "int32", "int64") if in_dtype.kind == "i" else ("uint16", "uint32", "uint64")
    acc = next(np.dtype(t) for t in wider if np.iinfo(t).max >= bound)
    return acc if acc.itemsize <= dtype.itemsize else dtype


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
    acc = accumulator(images.dtype, dtype, mode, gh.kernel * gw.kernel)
    units = _work_units(m, geometry, images.itemsize * c, acc.itemsize * c, _full_width(c))

    def work(unit) -> None:
        rows, (r0, r1), (c0, c1) = unit
        (row_sl, bh), (col_sl, bw) = _tile(gh, r0, r1), _tile(gw, c0, c1)
        part = scale if scale is None or np.ndim(scale) == 0 else scale[r0:r1, c0:c1]
        _pool_block(out[rows, r0:r1, c0:c1], images[rows, row_sl, col_sl], (bh, bw), geometry, reduce, fill, acc, part)

    run_blocks(work, units, resolve_threads(threads))
    return out


def _pool_block(dst, block, bands, whole, reduce, fill, acc: np.dtype, scale) -> None:
    """Pool one block (or tile) of images into ``dst``: the row pass, the column pass, the scale.

    ``bands``: the block's geometry, ``whole`` the image's (the order of the
    taps); the passes reduce in ``acc``, ``scale`` (None but for averages)
    multiplies the sums on the way into ``dst``.
    """
    (bh, bw), (gh, gw) = bands, whole
    c = block.shape[3]
    tall = scratch("pool_tall", (block.shape[0], bh.out, block.shape[2], c), acc)
    _reduce_pass(lambda sl: tall[:, sl], lambda sl: block[:, sl], bh, reduce, fill, gh)
    full = _full_width_columns(tall, bw, reduce, gw) if _full_width(c) else None
    if full is None:
        sums = dst if acc == dst.dtype else scratch("pool_sums", dst.shape, acc)
        _reduce_pass(lambda sl: sums[:, :, sl], lambda sl: tall[:, :, sl], bw, reduce, fill, gw)
        _finish(dst, sums, scale)
        return
    # channel by channel out of the full-width view: one long strided run each instead of c values at a time
    # (the 2x2 average of (10000, 32, 32, 3) uint8: 15 -> 11 ms, one thread)
    part = scale if scale is None or np.ndim(scale) == 0 else scale[..., 0]
    for k in range(c):
        _finish(dst[..., k], full[..., k], part)


def _finish(dst, sums, scale) -> None:
    """``dst = sums * scale`` in ``dst``'s dtype; ``scale`` None: ``dst = sums`` (nothing when they are one)."""
    if scale is not None:
        np.multiply(sums, scale, out=dst, dtype=dst.dtype)
    elif sums is not dst:
        np.copyto(dst, sums, casting="unsafe")


def _full_width(c: int) -> bool:
    """Whether ``c`` channels take the whole-row column pass (where it applies; see the constant)."""
    return 1 < c < FULL_WIDTH_CHANNELS


def _full_width_columns(tall: np.ndarray, g, reduce, whole) -> np.ndarray | None:
    """The column pass on whole flattened rows, as a ``(b, oh, ow, c)`` strided view; None if it does not apply.

    On a row flattened to ``w * c`` values, output column ``j``'s channel ``k``
    reads ``p + a * dilation * c`` for tap ``a``, where ``p = j * stride * c + k``.
    So each tap is one contiguous reduce over the whole block, computed at every
    ``p`` (those between outputs are thrown away; their reads past a row's end
    stay inside the block), in the order :func:`_reduce_pass` sums the ``whole``
    axis's taps, so that a tile rounds as the whole image does. The
    strided pass instead runs ``c`` values at a time: for 3 channels in uint16
    it took 21 ms against 1 ms here, (10000, 16, 32, 3), one thread. Applies
    when every window lies inside the band (no padding to skip).
    """
    b, oh, w, c = tall.shape
    first = lead_tap(whole, range(g.kernel))  # None: the whole axis starts from the fill (see _reduce_pass)
    if g.before or (g.out - 1) * g.stride + g.extent > g.size or g.kernel < 2 or first is None:
        return None
    second = lead_tap(whole, range(first + 1, g.kernel))
    lead = [first] if second is None else [first, second]
    order = lead + [a for a in range(g.kernel) if a not in lead]
    flat = tall.reshape(-1)
    step = g.dilation * c
    length = flat.size - (g.kernel - 1) * step
    full = scratch("pool_full", flat.size, tall.dtype)

    def tap(a: int) -> np.ndarray:
        return flat[a * step : a * step + length]

    reduce(tap(order[0]), tap(order[1]), out=full[:length])
    for a in order[2:]:
        reduce(full[:length], tap(a), out=full[:length])
    item = full.itemsize
    strides = (oh * w * c * item, w * c * item, g.stride * c * item, item)
    return np.lib.stride_tricks.as_strided(full, shape=(b, oh, g.out, c), strides=strides, writeable=False)


def _tile(g, lo: int, hi: int):
    """Outputs ``[lo, hi)`` of one axis: the input slice they read and their own geometry (see ``band``)."""
    return (slice(None), g) if (lo, hi) == (0, g.out) else band(g, lo, hi)


def _work_units(m: int, geometry, cell: int, out_cell: int, full_width: bool = False):
    """``(batch slice, rows, columns)`` units of about ``POOL_BLOCK_BYTES`` each.

    Small images go whole, several to a block; an image too big for one block
    is cut into tiles of output rows (and columns when one row is too long),
    so the row-pass result stays in cache. ``cell``/``out_cell``: bytes of one
    input/computed cell across the channels.
    """
    gh, gw = geometry

    def cost(g) -> int:  # its input rows, the row-pass result (twice with full_width) and the output
        bh, bw = g
        return bh.out * (bh.stride * bw.padded * cell + ((1 + full_width) * bw.padded + bw.out) * out_cell)

    whole = ((0, gh.out), (0, gw.out))
    per_image = cost(geometry)
    if per_image <= POOL_BLOCK_BYTES or m == 0:
        return [(rows, *whole) for rows in batch_blocks(m, per_image, POOL_BLOCK_BYTES)]
    plan = tiles.plan(geometry, cost, POOL_BLOCK_BYTES, threshold=POOL_BLOCK_BYTES) or [whole]
    return [(slice(n, n + 1), r, c) for n in range(m) for r, c in plan]
