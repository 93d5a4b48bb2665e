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

from .._shapes import average_divisor
from .blocking import batch_blocks
from .scratch import scratch
from .taps import covers, tap_span
from .threads import resolve_threads, run_blocks

_REDUCE = {"max": np.maximum, "min": np.minimum, "avg": np.add, "sum": np.add}

#: Working set one pooling block (or band of rows) aims for (1-8 MiB measured; 4 MiB kept).
POOL_BLOCK_BYTES = 4 * 1024 * 1024


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


def _reduce_pass(dst_of, src_of, g, reduce, fill) -> None:
    """``dst = reduce over taps a of src[i * stride + a - before]`` along one axis.

    ``dst_of``/``src_of`` map a slice of the axis to a view. The pass starts
    from a tap that reaches every output; when none does (a 1-cell axis with
    window 2 and one cell of padding each side: each tap reaches one output),
    ``dst`` starts as ``fill`` and every tap is reduced into the outputs it reaches.
    """
    spans = [s for s in (tap_span(g, a) for a in range(g.kernel)) if s is not None]
    full = [i for i, s in enumerate(spans) if covers(g, s)]
    if full:
        first = spans.pop(full[0])
        second = next((s for s in spans if covers(g, s)), None)
        if second is not None:  # the first two taps in one pass: reduce(x0, x1) -> dst
            spans.remove(second)
            reduce(src_of(first[1]), src_of(second[1]), out=dst_of(first[0]), dtype=dst_of(first[0]).dtype)
        else:
            np.copyto(dst_of(first[0]), src_of(first[1]), casting="unsafe")
    else:
        dst_of(slice(None))[...] = fill
    for out_sl, in_sl in spans:
        dst = dst_of(out_sl)
        reduce(dst, src_of(in_sl), out=dst, casting="unsafe")


def pool_windows(images, geometry, mode: str, count_include_pad: bool, dtype, threads: int | None = None) -> np.ndarray:
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

    Returns
    -------
    ndarray, shape (m, oh, ow, c), a new array of ``dtype``.
    """
    m, h, w, c = images.shape
    gh, gw = geometry
    out = np.empty((m, gh.out, gw.out, c), dtype=dtype)
    reduce = _REDUCE[mode]
    fill = neutral_fill(dtype, mode)
    scale = None
    if mode == "avg":
        scale = 1 / average_divisor(geometry, count_include_pad).astype(dtype)
        if np.ndim(scale) == 0:
            scale = dtype.type(scale)
    # bytes per output row: its input rows, the row-pass result and the output
    per_row = (gh.stride * w * images.itemsize + (w + gw.out) * dtype.itemsize) * c
    units = _work_units(m, gh, per_row)

    def work(unit) -> None:
        rows, (band, first_row, sub) = unit
        block = images[rows, first_row:]
        dst = out[rows, band]
        tall = scratch("pool_tall", (block.shape[0], sub.out, w, c), dtype)
        _reduce_pass(lambda sl: tall[:, sl], lambda sl: block[:, sl], sub, reduce, fill)
        _reduce_pass(lambda sl: dst[:, :, sl], lambda sl: tall[:, :, sl], gw, reduce, fill)
        if scale is not None:
            np.multiply(dst, scale if np.ndim(scale) == 0 else scale[band], out=dst)

    run_blocks(work, units, resolve_threads(threads))
    return out


def _band(g, lo: int, hi: int):
    """Output rows ``[lo, hi)`` as their own geometry: ``(slice, first input row, geometry)``.

    The band's first window starts at input row ``r0 = lo * stride - before``;
    rows before 0 stay virtual padding, so the band reads from ``max(r0, 0)``.
    """
    r0 = lo * g.stride - g.before
    first = max(r0, 0)
    return slice(lo, hi), first, g._replace(size=g.size - first, before=first - r0, out=hi - lo)


def _work_units(m: int, gh, per_row: int):
    """``(batch slice, band)`` pairs of about ``POOL_BLOCK_BYTES`` each.

    Small images go whole, several to a block; an image too big for one block
    is cut into bands of output rows, so the row-pass result stays in cache.
    """
    per_image = per_row * gh.out
    if per_image <= POOL_BLOCK_BYTES:
        whole = _band(gh, 0, gh.out)
        return [(rows, whole) for rows in batch_blocks(m, per_image, POOL_BLOCK_BYTES)]
    step = max(1, POOL_BLOCK_BYTES // per_row)
    bands = [_band(gh, lo, min(lo + step, gh.out)) for lo in range(0, gh.out, step)]
    return [(slice(n, n + 1), band) for n in range(m) for band in bands]
