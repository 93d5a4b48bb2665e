"""The small-work path: a whole call in a handful of NumPy operations.

For calls whose gathered windows fit in :data:`convpool._plan.plans.SMALL_BYTES`
(the plan says so), the blocked engine's machinery (thread pool, batch
blocks, tiles, the cost model, scratch buffers) costs more than the work. Here a
convolution is one padded copy, one gather of every window (im2col) and one
matrix product; pooling folds the window's taps in one strided view at a
time; the gradients are the same products transposed, added back tap by tap.

As in the engine (:func:`.threads.run_blocks`), NumPy's floating-point
warnings are off: ``0 * inf`` at a padded tap or ``inf - inf`` in a window is
NaN in the result, as the definition says, not a warning.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..._plan._shapes import average_divisor
from .blocking import pad_block, tap_view
from .fold import fold_padding
from .pooling import neutral_fill
from .scratch import scratch


def _quiet(op):
    """Run ``op`` with NumPy's floating-point warnings off (the result holds the NaN and inf)."""

    @functools.wraps(op)
    def run(*args):
        with np.errstate(all="ignore"):
            return op(*args)

    return run


def windows(x: np.ndarray, geometry, kernel: tuple[int, int]) -> np.ndarray:
    """The read-only view ``(m, oh, ow, kh, kw, c)`` of every output's window of the padded ``x``."""
    gh, gw = geometry
    s0, s1, s2, s3 = x.strides
    shape = (x.shape[0], gh.out, gw.out, kernel[0], kernel[1], x.shape[3])
    strides = (s0, s1 * gh.stride, s2 * gw.stride, s1 * gh.dilation, s2 * gw.dilation, s3)
    if x.flags.c_contiguous and x.size:  # a view straight on its buffer: as_strided costs ~10 us per call
        view = np.ndarray(shape, x.dtype, buffer=x, strides=strides)
        view.flags.writeable = False
        return view
    return as_strided(x, shape, strides, writeable=False)


#: With one channel and more gathered values than this, the gather goes tap by tap into a ``(taps, cells)``
#: array: long contiguous rows to read and write (LeNet's first layer: 0.27 ms against 1.03 ms for one copy of
#: the window view, whose innermost runs are ``kw`` values long); below, the one copy has less overhead.
TAP_GATHER_VALUES = 16 * 1024


def _columns(plan, images: np.ndarray) -> np.ndarray:
    """The im2col matrix ``(m * oh * ow, kh * kw * c)`` of the padded images, in the plan's dtype.

    For one channel it may be the transpose of a C-ordered ``(kh * kw, m * oh * ow)`` array: a view that
    the matrix products read as it is. It lives in this thread's scratch memory: callers use it before
    their next call of this function, and never return it.
    """
    x = pad_block(images, plan.geometry, plan.pad_mode, plan.pad_value, plan.dtype)
    kh, kw, c = plan.kernels[:3]
    # a thread's scratch buffer, not fresh pages: a new array of a few MiB costs ~100 us of page faults per call
    if c == 1 and math.prod(plan.out[:3]) * kh * kw > TAP_GATHER_VALUES:
        taps = scratch("small_taps", (kh, kw, *plan.out[:3]), plan.dtype)
        plane = x[..., 0]
        for a in range(kh):
            for b in range(kw):
                taps[a, b] = tap_view(plane, plan.geometry, a, b)
        return taps.reshape(kh * kw, -1).T
    view = windows(x, plan.geometry, (kh, kw))
    columns = scratch("small_columns", view.shape, plan.dtype)
    np.copyto(columns, view)  # the one copy
    return columns.reshape(-1, kh * kw * c)


@_quiet
def correlate(plan, images: np.ndarray, kernels: np.ndarray) -> np.ndarray:
    """``out = im2col(padded images) @ kernels.reshape(kh * kw * c, nc)``."""
    weights = kernels.astype(plan.dtype, copy=False).reshape(-1, kernels.shape[3])
    return (_columns(plan, images) @ weights).reshape(plan.out)


def _add_taps(target: np.ndarray, parts: np.ndarray, geometry) -> None:
    """``target[tap (a, b) of every window] += parts[a, b]``: the adjoint of :func:`windows`.

    ``parts`` is ``(kh, kw, m, oh, ow, c)``: laid out so, each tap's values
    are one contiguous block, and the add runs along whole rows of ``ow * c``
    values (at stride 1) instead of ``c`` at a time.
    """
    if target.shape[3] == 1:  # one channel: drop the axis, so that NumPy's inner loops run along rows, not over 1
        target, parts = target[..., 0], parts[..., 0]
    for a in range(parts.shape[0]):
        for b in range(parts.shape[1]):
            tap_view(target, geometry, a, b)[...] += parts[a, b]


@_quiet
def correlate_backward(plan, grad: np.ndarray, images: np.ndarray, kernels: np.ndarray, wrt: str):
    """``(grad_images, grad_kernels)``: the im2col product transposed each way, ``None`` where not wanted."""
    rows = grad.astype(plan.dtype, copy=False).reshape(-1, kernels.shape[3])
    grad_images = grad_kernels = None
    if wrt != "images":
        grad_kernels = (_columns(plan, images).T @ rows).reshape(kernels.shape)
    if wrt != "kernels":
        kh, kw, c, nc = kernels.shape
        # one (nc, c) matrix per tap: each tap's share of every window comes out as its own block for _add_taps
        per_tap = kernels.astype(plan.dtype, copy=False).reshape(kh * kw, c, nc).transpose(0, 2, 1)
        parts = np.matmul(rows, np.ascontiguousarray(per_tap)).reshape(kh, kw, *plan.out[:3], c)
        gh, gw = plan.geometry
        padded = np.zeros((images.shape[0], gh.padded, gw.padded, images.shape[3]), plan.dtype)
        _add_taps(padded, parts, plan.geometry)
        grad_images = np.ascontiguousarray(fold_padding(padded, plan.geometry, plan.pad_mode))
    return grad_images, grad_kernels


_REDUCE = {"max": np.maximum, "min": np.minimum, "avg": np.add, "sum": np.add}


@_quiet
def pool(plan, images: np.ndarray) -> np.ndarray:
    """The window's taps folded in one by one with ``maximum``/``minimum``/``add``; averages divided by the counts.

    Each step reads one strided tap view of the padded images: ``kh * kw - 1``
    passes over the output, far cheaper than reducing over a 6-D window view.
    """
    fill = neutral_fill(np.dtype(plan.dtype), plan.mode)
    x = pad_block(images, plan.geometry, "constant", fill, plan.dtype)
    gh, gw = plan.geometry
    reduce = _REDUCE[plan.mode]
    out = np.array(tap_view(x, plan.geometry, 0, 0))
    for a in range(gh.kernel):
        for b in range(gw.kernel):
            if a or b:
                reduce(out, tap_view(x, plan.geometry, a, b), out=out)
    if plan.mode == "avg":
        out /= average_divisor(plan.geometry, plan.count_include_pad).astype(plan.dtype)
    return out


@_quiet
def pool_backward(plan, grad: np.ndarray, images: np.ndarray) -> np.ndarray:
    """Each window's gradient to its first winner (max, min) or spread over its cells (avg, sum)."""
    gh, gw = plan.geometry
    g = grad.astype(plan.dtype, copy=False)
    taps = gh.kernel * gw.kernel
    if plan.mode in ("max", "min"):
        view = windows(images, plan.geometry, (gh.kernel, gw.kernel))
        flat = view.reshape(*view.shape[:3], taps, view.shape[5])
        first = (np.argmax if plan.mode == "max" else np.argmin)(flat, axis=3)  # first winner; a NaN wins
        won = np.arange(taps).reshape(taps, 1, 1, 1, 1) == first  # tap-major, as _add_taps reads it
        parts = np.where(won, g, plan.dtype.type(0))  # not a product: inf * 0 would be NaN
    else:
        if plan.mode == "avg":
            g = g / average_divisor(plan.geometry, plan.count_include_pad).astype(plan.dtype)
        parts = np.broadcast_to(g, (taps, *g.shape))
    parts = parts.reshape(gh.kernel, gw.kernel, *g.shape)
    padded = np.zeros((images.shape[0], gh.padded, gw.padded, images.shape[3]), plan.dtype)
    _add_taps(padded, parts, plan.geometry)
    return np.ascontiguousarray(fold_padding(padded, plan.geometry, "constant"))
