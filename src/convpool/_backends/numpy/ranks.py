"""Any number of spatial axes: the six operations on a plan of rank 1, 2, 3 or more, computed by the 2-D engine.

The engine (:mod:`.forward`, :mod:`.backward`, :mod:`.transpose`) works on
images ``(m, h, w, c)``. Every other rank reaches it without a copy of its code:

* **One axis** (signals ``(m, l, c)``): a unit axis in front, ``(m, 1, l, c)``
  with kernels ``(1, k, c, nc)`` and the geometry ``(unit_axis(1), g)``: the same
  call in 2-D, with all the engine's paths (tap loop, GEMM, FFT, grouped, small).
* **Three axes and more** (volumes ``(m, d, h, w, c)``): the leading axis is
  peeled off. A convolution is the sum over its ``kd`` taps ``a`` of the
  ``(d - 1)``-axis convolution of the cells that tap reads, with the leading
  axis folded into the batch::

      out[:, i] = sum_a conv(xp[:, i * sd + a * dd], kernels[a])

  so the engine sees ``m * od`` images per tap. Pooling is separable (max, min
  and sums of a box are folds of per-axis folds): the trailing axes are pooled
  first, then the leading one, so that a max's gradient goes, as in 2-D, to the
  first winner in row-major order (the earliest slice, then its first cell).
  Gradients are the same sums transposed; the transposed convolution is the
  input gradient of its forward convolution.

As in the engine, NumPy's floating-point warnings are off while a volume is
summed (``_quiet``): ``inf - inf`` is NaN in the result, not a warning.

Memory stays bounded: the leading axis is cut into bands of outputs (with the
halo their windows read, :func:`~convpool._plan._shapes.band`) and the batch
into blocks, so a band's padded copy and partial sums hold about
:data:`BAND_BYTES`; the engine blocks each call further.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator

import numpy as np

from ..._plan._shapes import AxisGeometry, band, bands, source_cells, unit_axis, window_counts
from ..._plan.plans import ConvPlan, PoolPlan, engine_conv_plan, engine_pool_plan
from ..._plan.transpose_checks import TransposePlan
from . import backward, forward
from . import transpose as transposed
from .choose import all_finite
from .direct import rank1
from .small import _quiet

__all__ = ["correlate", "correlate_backward", "pool", "pool_backward", "transpose", "transpose_backward"]

#: Plans of parts (a signal's 2-D plan, a band's) kept per function, least recently used dropped: a repeated
#: call plans nothing, as in 2-D (``_plan._cache``).
PLANS = 512

#: Bytes one band of the leading axis aims for: its padded input and its partial sums (a batch block of it).
BAND_BYTES = 16 * 1024 * 1024


# --- the six operations, any rank --------------------------------------------------------------------------


def correlate(plan: ConvPlan, images: np.ndarray, kernels: np.ndarray) -> np.ndarray:
    """``convolve``: images ``(m, *spatial, c)``, kernels ``(*k, c // groups, nc)`` -> ``plan.out``."""
    rank = len(plan.geometry)
    if rank == 2:
        return forward.correlate(plan, images, kernels)
    if rank == 1:
        return forward.correlate(_lift_conv(plan), images[:, None], kernels[None])[:, 0]
    return _correlate_peeled(plan, images, kernels)


def correlate_backward(plan: ConvPlan, grad, images, kernels, wrt: str = "both"):
    """``(grad_images, grad_kernels)`` of :func:`correlate`; the one ``wrt`` does not ask for is ``None``."""
    rank = len(plan.geometry)
    if rank == 2:
        return backward.correlate_backward(plan, grad, images, kernels, wrt)
    if rank == 1:
        gi, gk = backward.correlate_backward(_lift_conv(plan), grad[:, None], images[:, None], kernels[None], wrt)
        return (None if gi is None else gi[:, 0]), (None if gk is None else gk[0])
    return _correlate_backward_peeled(plan, grad, images, kernels, wrt)


def pool(plan: PoolPlan, images: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``pool``: images ``(m, *spatial, c)`` -> ``plan.out``, each channel on its own (into ``out`` if given)."""
    rank = len(plan.geometry)
    if rank == 2:
        return forward.pool(plan, images, out=out)
    if plan.mode == "lp":  # a sum pool between two powers, whatever the rank (_backends.lp)
        result = forward.lp_pool(plan, images, pool, *forward.numpy_ops(plan.dtype))
    elif rank == 1:
        result = forward.pool(_lift_pool(plan), images[:, None])[:, 0]
    else:
        result = _pool_peeled(plan, images)
    return forward.into(out, result)


def pool_backward(plan: PoolPlan, grad, images) -> np.ndarray:
    """``grad_images`` of :func:`pool`."""
    rank = len(plan.geometry)
    if rank == 2:
        return backward.pool_backward(plan, grad, images)
    if plan.mode == "lp":
        return backward.lp_pool_backward(plan, grad, images, pool, pool_backward, *forward.numpy_ops(plan.dtype), np)
    if rank == 1:
        return backward.pool_backward(_lift_pool(plan), grad[:, None], images[:, None])[:, 0]
    return _pool_backward_peeled(plan, grad, images)


def transpose(plan: TransposePlan, images: np.ndarray, kernels: np.ndarray) -> np.ndarray:
    """``convolve_transpose``: images ``(m, *out, nc)`` -> ``plan.out`` ``(m, *spatial, c)``."""
    if len(plan.geometry) == 2:
        return transposed.transpose(plan, images, kernels)
    result = np.zeros(plan.out, dtype=plan.dtype)
    if any(g.size == 0 for g in plan.geometry):  # every window lies in the leading padding of some axis
        return result
    forward_plan = _forward_of(plan)
    reached = _standin(forward_plan.images, plan.dtype)
    grad_images = correlate_backward(forward_plan, images, reached, kernels, "images")[0]
    result[_reached(plan)] = grad_images
    return result


def transpose_backward(plan: TransposePlan, grad: np.ndarray, images: np.ndarray, kernels: np.ndarray):
    """``(grad_images, grad_kernels)`` of :func:`transpose`: a correlation and a kernel gradient."""
    if len(plan.geometry) == 2:
        return transposed.transpose_backward(plan, grad, images, kernels)
    if any(g.size == 0 for g in plan.geometry):  # no window reaches the result: nothing depends on the inputs
        return np.zeros(images.shape, dtype=plan.dtype), np.zeros(kernels.shape, dtype=plan.dtype)
    forward_plan = _forward_of(plan)
    reached = grad[_reached(plan)]
    grad_kernels = correlate_backward(forward_plan, images, reached, kernels, "kernels")[1]
    return correlate(forward_plan, reached, kernels), grad_kernels


def clear_parts() -> None:
    """Forget the plans of parts (tests that change ``plans.SMALL_BYTES`` call it, as they clear the plan caches)."""
    for build in (_lift_conv, _lift_pool, _conv_part, _pool_part):
        build.cache_clear()


# --- one axis: a unit axis in front -----------------------------------------------------------------------


@functools.lru_cache(maxsize=PLANS)
def _lift_conv(plan: ConvPlan) -> ConvPlan:
    m, length, c = plan.images
    geometry = (unit_axis(1), plan.geometry[0])
    return _conv_part(plan, (m, 1, length, c), (1, *plan.kernels), geometry)


@functools.lru_cache(maxsize=PLANS)
def _lift_pool(plan: PoolPlan) -> PoolPlan:
    m, length, c = plan.images
    return _pool_part(plan, (m, 1, length, c), (unit_axis(1), plan.geometry[0]))


@functools.lru_cache(maxsize=PLANS)
def _conv_part(plan: ConvPlan, images: tuple, kernels: tuple, geometry) -> ConvPlan:
    """The plan of a part of ``plan``'s work: its own shapes and geometry, its own path."""
    return engine_conv_plan(
        images, kernels, tuple(geometry), plan.pad_mode, plan.pad_value, plan.groups, plan.dtype, plan.method,
        plan.threads,
    )  # fmt: skip


@functools.lru_cache(maxsize=PLANS)
def _pool_part(plan: PoolPlan, images: tuple, geometry, mode: str | None = None) -> PoolPlan:
    mode = mode or plan.mode
    return engine_pool_plan(images, tuple(geometry), mode, plan.count_include_pad, plan.dtype, plan.threads)


def _forward_of(plan: TransposePlan) -> ConvPlan:
    """The forward convolution whose input gradient the transposed convolution is, on the cells it reaches."""
    reached = (plan.out[0], *(g.size for g in plan.geometry), plan.out[-1])
    return engine_conv_plan(reached, plan.kernels, plan.geometry, "constant", 0, plan.groups, plan.dtype)


def _reached(plan: TransposePlan) -> tuple[slice, ...]:
    return (slice(None), *(slice(0, g.size) for g in plan.geometry))


def _standin(shape: tuple, dtype) -> np.ndarray:
    """Images whose shape alone matters (an input gradient reads no image values): zeros, no memory."""
    return np.broadcast_to(np.zeros((), dtype=dtype), shape)


# --- three axes and more: the leading axis peeled off -----------------------------------------------------


def _pieces(m: int, g: AxisGeometry, per_cell: int) -> Iterator[tuple[slice, int, int]]:
    """``(batch rows, lo, hi)``: leading outputs ``[lo, hi)`` of a block of images, about :data:`BAND_BYTES` each.

    ``per_cell``: bytes one image needs per leading output (its input cells and partial sums).
    """
    cells = max(1, BAND_BYTES // max(1, per_cell))  # image x leading-output cells per piece
    rows = min(m, cells) if m else 1
    per_band = max(1, cells // max(rows, 1))
    for lo_row in range(0, max(m, 1), rows):
        for lo, hi in bands(g, per_band):
            yield slice(lo_row, min(lo_row + rows, m)), lo, hi


def _per_cell(images: tuple, out: tuple, g: AxisGeometry, itemsize: int) -> int:
    return (max(g.stride, 1) * math.prod(images[2:]) + math.prod(out[2:])) * itemsize


def _leading_band(images: np.ndarray, g: AxisGeometry, mode: str, fill, dtype, lo: int, hi: int) -> np.ndarray:
    """The cells leading outputs ``[lo, hi)`` read, padded along the leading axis: ``(m, cells, *rest, c)``."""
    if mode != "constant":  # edge, reflect, symmetric, wrap: NumPy's own rule, through the whole axis's index map
        return images.take(source_cells(g, mode)[lo * g.stride : (hi - 1) * g.stride + g.extent], axis=1)
    cells, part = band(g, lo, hi)
    if part.before == part.after == 0:
        return images[:, cells]  # a view
    block = np.full((images.shape[0], part.padded, *images.shape[2:]), fill, dtype=dtype)
    block[:, part.before : part.before + part.size] = images[:, cells]
    return block


def _unband(grad_block: np.ndarray, target: np.ndarray, g: AxisGeometry, mode: str, lo: int, hi: int) -> None:
    """``target += `` the adjoint of :func:`_leading_band`: each padded cell's gradient back to the cell it copies."""
    if mode != "constant":
        sources = source_cells(g, mode)[lo * g.stride : (hi - 1) * g.stride + g.extent]
        for cell, source in enumerate(sources):
            target[:, source] += grad_block[:, cell]
        return
    cells, part = band(g, lo, hi)
    target[:, cells] += grad_block[:, part.before : part.before + part.size]


def _taps(block: np.ndarray, g: AxisGeometry, a: int, n: int) -> np.ndarray:
    """The leading cells tap ``a`` reads for ``n`` outputs of a band: ``(m, n, *rest, c)``, a view."""
    start = a * g.dilation
    return block[:, start : start + (n - 1) * g.stride + 1 : g.stride]


def _fold(array: np.ndarray) -> np.ndarray:
    """``(m, n, *rest)`` -> ``(m * n, *rest)``: the leading axis into the batch (a copy only where strided)."""
    return array.reshape(array.shape[0] * array.shape[1], *array.shape[2:])


@_quiet
def _correlate_peeled(plan: ConvPlan, images: np.ndarray, kernels: np.ndarray) -> np.ndarray:
    g, rest = plan.geometry[0], plan.geometry[1:]
    out = np.empty(plan.out, dtype=plan.dtype)
    split = _leading_split(plan, images, kernels)
    per_cell = _per_cell(plan.images, plan.out, g, plan.dtype.itemsize)
    for rows, lo, hi in _pieces(plan.images[0], g, per_cell):
        block = _leading_band(images[rows], g, plan.pad_mode, plan.pad_value, plan.dtype, lo, hi)
        mr, n = block.shape[0], hi - lo
        if split is not None:  # one pass along the leading axis, then one (d - 1)-axis convolution
            weights, trailing = split
            part = _conv_part(plan, (mr * n, *plan.images[2:]), trailing.shape, rest)
            total = correlate(part, _fold(_leading_pass(block, g, n, weights, plan.dtype)), trailing)
        else:
            part = _conv_part(plan, (mr * n, *plan.images[2:]), plan.kernels[1:], rest)
            total = correlate(part, _fold(_taps(block, g, 0, n)), kernels[0])
            for a in range(1, g.kernel):
                np.add(total, correlate(part, _fold(_taps(block, g, a, n)), kernels[a]), out=total)
        out[rows, lo:hi] = total.reshape(mr, n, *total.shape[1:])
    return out


def _leading_split(plan: ConvPlan, images: np.ndarray, kernels: np.ndarray):
    """``(u, trailing)`` with ``kernels == u (outer) trailing`` up to rounding, where that split is exact, else None.

    A Gaussian or box of ``kd`` x ``kh`` x ``kw`` taps then costs one ``kd``-tap pass along the leading axis
    and the engine's own (separable) 2-D pass, not ``kd`` 2-D convolutions. As in 2-D (``method='auto'``
    or ``'direct'``): one input and one output channel, finite values (a split kernel would turn ``inf * 0``
    into sums that differ), and no non-zero constant padding (the trailing pass would pad a weighted sum of
    slices with the constant itself, not with the weighted sum of constants).
    """
    if plan.method not in ("auto", "direct") or plan.kernels[-2:] != (1, 1) or plan.kernels[0] < 2:
        return None
    if plan.pad_mode == "constant" and plan.pad_value != 0:
        return None
    split = rank1(kernels.reshape(plan.kernels[0], -1), plan.dtype)
    if split is None or not all_finite(images, kernels):
        return None
    u, v = split
    return u, v.reshape(plan.kernels[1:]).astype(plan.dtype)


def _leading_pass(block: np.ndarray, g: AxisGeometry, n: int, weights: np.ndarray, dtype) -> np.ndarray:
    """``sum_a weights[a] * block[:, i * stride + a * dilation]`` for the band's ``n`` outputs: ``(m, n, *rest, c)``."""
    total = None
    for a, w in enumerate(weights):
        if w == 0:
            continue
        term = np.multiply(_taps(block, g, a, n), dtype.type(w), dtype=dtype)
        total = term if total is None else np.add(total, term, out=total)
    return total if total is not None else np.zeros((block.shape[0], n, *block.shape[2:]), dtype)


@_quiet
def _correlate_backward_peeled(plan: ConvPlan, grad, images, kernels, wrt: str):
    g, rest = plan.geometry[0], plan.geometry[1:]
    dtype = plan.dtype
    grad_images = np.zeros(images.shape, dtype) if wrt != "kernels" else None
    grad_kernels = np.zeros(kernels.shape, dtype) if wrt != "images" else None
    per_cell = 2 * _per_cell(plan.images, plan.out, g, dtype.itemsize)
    for rows, lo, hi in _pieces(plan.images[0], g, per_cell):
        mr, n = len(range(*rows.indices(plan.images[0]))), hi - lo
        length = (n - 1) * g.stride + g.extent
        block = None
        if grad_kernels is not None:
            block = _leading_band(images[rows], g, plan.pad_mode, plan.pad_value, dtype, lo, hi)
        grad_block = np.zeros((mr, length, *images.shape[2:]), dtype) if grad_images is not None else None
        part = _conv_part(plan, (mr * n, *plan.images[2:]), plan.kernels[1:], rest)
        g_out = _fold(grad[rows, lo:hi])
        for a in range(g.kernel):
            read = _standin(part.images, dtype) if block is None else _fold(_taps(block, g, a, n))
            gi, gk = correlate_backward(part, g_out, read, kernels[a], wrt)
            if gk is not None:
                assert grad_kernels is not None  # correlate_backward gives what wrt asks for
                grad_kernels[a] += gk
            if gi is not None:
                assert grad_block is not None  # made above whenever images' gradient is asked for
                _taps(grad_block, g, a, n)[...] += gi.reshape(mr, n, *gi.shape[1:])
        if grad_images is not None:
            assert grad_block is not None
            _unband(grad_block, grad_images[rows], g, plan.pad_mode, lo, hi)
    return grad_images, grad_kernels


def _pool_steps(plan: PoolPlan, mr: int, lo: int, hi: int):
    """The two poolings of a piece: the trailing axes of each leading cell, then the leading axis.

    Returns ``(cells, inner plan, leading plan, scale)``: averages take sums along the leading axis and
    ``scale`` (``1 / counts``, shape ``(n, 1, 1)``) of its whole-axis counts (a band's own geometry does not
    know which of its cells ``ceil_mode`` added).
    """
    g, rest = plan.geometry[0], plan.geometry[1:]
    cells, part = band(g, lo, hi)
    length = part.size
    inner = _pool_part(plan, (mr * length, *plan.images[2:]), rest)
    columns = math.prod(inner.out[1:-1])
    mode = "sum" if plan.mode == "avg" else plan.mode
    leading = _pool_part(plan, (mr, length, columns, plan.images[-1]), (part, unit_axis(columns)), mode)
    scale = None
    if plan.mode == "avg":
        scale = (1 / window_counts(g, plan.count_include_pad)[lo:hi]).astype(plan.dtype)[:, None, None]
    return cells, inner, leading, scale


@_quiet
def _pool_peeled(plan: PoolPlan, images: np.ndarray) -> np.ndarray:
    g = plan.geometry[0]
    out = np.empty(plan.out, dtype=plan.dtype)
    for rows, lo, hi in _pieces(plan.images[0], g, _per_cell(plan.images, plan.out, g, plan.dtype.itemsize)):
        part = images[rows]
        cells, inner, leading, scale = _pool_steps(plan, part.shape[0], lo, hi)
        trailing = pool(inner, _fold(part[:, cells]))
        result = pool(leading, trailing.reshape(leading.images))
        if scale is not None:
            result *= scale
        out[rows, lo:hi] = result.reshape(out[rows, lo:hi].shape)
    return out


@_quiet
def _pool_backward_peeled(plan: PoolPlan, grad: np.ndarray, images: np.ndarray) -> np.ndarray:
    g = plan.geometry[0]
    grad_images = np.zeros(images.shape, dtype=plan.dtype)
    per_cell = 2 * _per_cell(plan.images, plan.out, g, plan.dtype.itemsize)
    for rows, lo, hi in _pieces(plan.images[0], g, per_cell):
        part = images[rows]
        cells, inner, leading, scale = _pool_steps(plan, part.shape[0], lo, hi)
        read = _fold(part[:, cells])
        g_out = grad[rows, lo:hi].astype(plan.dtype).reshape(leading.out)
        if scale is not None:
            g_out *= scale
        if plan.mode in ("max", "min"):  # the leading pass's winners are among the trailing pass's results
            trailing = pool(inner, read).reshape(leading.images)
        else:
            trailing = _standin(leading.images, plan.dtype)
        g_trailing = pool_backward(leading, g_out, trailing)
        g_read = pool_backward(inner, g_trailing.reshape(inner.out), read)
        grad_images[rows, cells] += g_read.reshape(part[:, cells].shape)
    return grad_images
