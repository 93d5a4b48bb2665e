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

from .._shapes import window_counts
from .blocking import batch_blocks
from .scratch import scratch
from .taps import covers, tap_span
from .threads import resolve_threads, run_blocks

_REDUCE = {"max": np.maximum, "min": np.minimum, "avg": np.add, "sum": np.add}

#: Working set one pooling block aims for: about half a core's L2 cache.
POOL_BLOCK_BYTES = 512 * 1024


def _neutral(dtype: np.dtype, mode: str):
    """A fill value that never wins a max (or min) and adds nothing to a sum."""
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

    ``dst_of``/``src_of`` map a slice of the axis to a view. Outputs that no
    tap reaches (impossible for checked pooling geometry, kept for safety)
    hold ``fill``.
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
    fill = _neutral(dtype, mode)
    scale = 1 / _divisor(geometry, count_include_pad, dtype) if mode == "avg" else None
    per_image = (h * w * images.itemsize + (gh.out * w + gh.out * gw.out) * dtype.itemsize) * c

    def work(rows: slice) -> None:
        block = images[rows]
        dst = out[rows]
        tall = scratch("pool_tall", (block.shape[0], gh.out, w, c), dtype)
        _reduce_pass(lambda sl: tall[:, sl], lambda sl: block[:, sl], gh, reduce, fill)
        _reduce_pass(lambda sl: dst[:, :, sl], lambda sl: tall[:, :, sl], gw, reduce, fill)
        if scale is not None:
            np.multiply(dst, scale, out=dst)

    run_blocks(work, list(batch_blocks(m, per_image, POOL_BLOCK_BYTES)), resolve_threads(threads))
    return out


def _divisor(geometry, count_include_pad: bool, dtype):
    """Cells averaged per window: all ``kh * kw``, or only the real ones, shape (oh, ow, 1)."""
    gh, gw = geometry
    if count_include_pad:
        return dtype.type(gh.kernel * gw.kernel)
    counts = np.outer(window_counts(gh), window_counts(gw))
    return counts.astype(dtype)[:, :, None]
