"""Backward passes of the array-API core, in functional form (no in-place writes, so JAX ``jit`` works).

The NumPy engine adds each tap's gradient into strided views of a zeroed
buffer; here the same sums are built from whole arrays:

* Placing a ``(b, oh, ow, c)`` array at the cells a tap read (``i*s + a*d``)
  is *spreading* it by the stride (``s - 1`` zero cells between neighbours,
  :func:`spread`) and padding it with zeros to the padded size.
* The gradient of the padded images is then a ``'full'`` correlation of the
  spread ``grad_output`` with the flipped, channel-transposed kernels; the
  ``(H - extent) % s`` trailing cells no window reached get zeros.
* Folding the padding back (the adjoint of :func:`numpy.pad`) gathers, for
  each input cell, the padded cells copied from it (:func:`fold`).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..._plan._shapes import AxisGeometry, average_divisor, axis_geometry, source_cells
from ..numpy.pool_grad import real_taps
from . import _core
from ._core import BLOCK_BYTES, batch_blocks, constant, join, library_dtype, pad, tap
from .arrays import numpy_dtype


def spread(where, x, axis: int, stride: int):
    """``x`` with ``stride - 1`` zeros between neighbours along ``axis``: length ``(n - 1) * stride + 1``."""
    if stride == 1:
        return x
    xp = where.xp
    n = x.shape[axis]
    zeros = xp.zeros_like(x)
    stacked = xp.stack([x] + [zeros] * (stride - 1), axis=axis + 1)
    shape = list(x.shape)
    shape[axis] = n * stride
    index = [slice(None)] * x.ndim
    index[axis] = slice(0, (n - 1) * stride + 1)
    return xp.reshape(stacked, tuple(shape))[tuple(index)]


def _zero_pad(where, x, axis: int, before: int, after: int):
    return pad(where, x, _one_axis(axis, x.shape[axis], before, after, x.ndim - 2), "constant", 0)


def _one_axis(axis: int, size: int, before: int, after: int, rank: int):
    """A geometry that pads only ``axis`` (1 to ``rank``) by ``before`` / ``after`` cells (for :func:`_core.pad`)."""
    this = AxisGeometry(size, 1, 1, 1, before, after, size + before + after)
    other = AxisGeometry(0, 1, 1, 1, 0, 0, 0)
    return tuple(this if a == axis else other for a in range(1, rank + 1))


def fold(where, grad_padded, geometry, mode: str):
    """Adjoint of :func:`_core.pad`: (b, *padded, c) -> (b, *spatial, c).

    Input cell ``j`` receives its own cell and every padded cell ``p`` with
    ``source[p] == j`` (``source = numpy.pad(arange(size), ..., mode)``);
    constant cells have no source and are dropped. Added round by round: round
    ``r`` gathers each cell's ``r``-th copy where it has one (``where``, not a
    0/1 product, so an infinite gradient elsewhere cannot make a NaN).
    """
    xp = where.xp
    for axis, g in enumerate(geometry, start=1):
        index = [slice(None)] * grad_padded.ndim
        index[axis] = slice(g.before, g.before + g.size)
        result = grad_padded[tuple(index)]
        if mode != "constant" and g.before + g.after:
            source = source_cells(g, mode)
            copies: list[list[int]] = [[] for _ in range(g.size)]
            for p in (*range(g.before), *range(g.before + g.size, g.padded)):
                copies[source[p]].append(p)
            shape = [1] * grad_padded.ndim
            shape[axis] = g.size
            for r in range(max(len(c) for c in copies)):
                picks = np.array([c[r] if len(c) > r else 0 for c in copies], dtype=np.int32)
                has = np.array([len(c) > r for c in copies]).reshape(shape)
                taken = xp.take(grad_padded, constant(where, picks), axis=axis)
                result = result + xp.where(constant(where, has), taken, xp.zeros_like(taken))
        grad_padded = result
    return grad_padded


def _place(where, x, geometry, *taps: int):
    """A tap's (b, *out, c) values at the padded cells it read, zeros elsewhere: (b, *padded, c)."""
    for axis, (g, t) in enumerate(zip(geometry, taps, strict=True), start=1):
        x = spread(where, x, axis, g.stride)
        top = t * g.dilation
        x = _zero_pad(where, x, axis, top, g.padded - top - x.shape[axis])
    return x


def convolve_backward(where, grad, images, kernels, geometry, mode: str, fill, dtype: np.dtype):
    """``(grad_images, grad_kernels)`` of :func:`convpool.convolve` (formulas in ``convolve_backward``).

    Per batch block: ``grad_kernels[a, b] += tap(a, b).reshape(-1, c).T @ grad.reshape(-1, nc)``
    and the padded images' gradient as a full correlation, folded back.
    """
    xp = where.xp
    lib = library_dtype(where, dtype)
    rank = len(geometry)
    c, nc = kernels.shape[-2:]
    weights = xp.astype(kernels, lib, copy=False)
    spatial = tuple(range(rank))
    flipped = xp.permute_dims(xp.flip(weights, axis=spatial), (*spatial, rank + 1, rank))  # (*k, nc, c)
    padded_cells = math.prod(g.padded for g in geometry)
    spread_cells = math.prod(g.out * g.stride for g in geometry)
    per_image = (3 * padded_cells * c + spread_cells * (c + nc)) * dtype.itemsize
    grad_kernels = xp.zeros(tuple(kernels.shape), dtype=lib, device=where.device)
    parts = []
    for rows in batch_blocks(images.shape[0], per_image, BLOCK_BYTES):
        g = xp.astype(grad[rows, ...], lib, copy=False)
        padded = pad(where, xp.astype(images[rows, ...], lib, copy=False), geometry, mode, fill)
        flat = xp.reshape(g, (-1, nc))
        taps = [
            xp.matmul(xp.matrix_transpose(xp.reshape(tap(padded, geometry, *t), (-1, c))), flat)
            for t in np.ndindex(*kernels.shape[:-2])
        ]
        grad_kernels = grad_kernels + xp.reshape(xp.stack(taps), tuple(kernels.shape))
        parts.append(fold(where, _padded_grad(where, g, flipped, geometry), geometry, mode))
    if not parts:
        return xp.zeros(tuple(images.shape), dtype=lib, device=where.device), grad_kernels
    return join(where, parts), grad_kernels


def _padded_grad(where, g, flipped, geometry):
    """Gradient of the padded block: the stride-spread ``g`` correlated with ``flipped`` under full padding."""
    spreads = g
    pads, sizes = [], []
    for axis, geo in enumerate(geometry, start=1):
        spreads = spread(where, spreads, axis, geo.stride)
        length = spreads.shape[axis]
        reach = geo.extent - 1
        pads.append((reach, reach + geo.padded - (length + reach)))  # trailing unreached cells: zeros
        sizes.append(length)
    full = tuple(
        axis_geometry(tuple(pads), axis, sizes[axis], flipped.shape[axis], 1, geometry[axis].dilation)
        for axis in range(len(geometry))
    )
    return _core.correlate(where, spreads, flipped, full, "constant", 0, numpy_dtype(g, "grad_output"))


def pool_backward(where, grad, images, geometry, mode: str, include: bool, dtype: np.dtype):
    """Gradient of :func:`convpool.pool` (rules in ``pool_backward``): (m, *spatial, c) of ``dtype``."""
    xp = where.xp
    lib = library_dtype(where, dtype)
    c = images.shape[-1]
    divisor = constant(where, average_divisor(geometry, include), lib) if mode == "avg" else None
    taps = math.prod(g.kernel for g in geometry)
    per_image = (taps + 3) * math.prod(g.padded for g in geometry) * c * max(dtype.itemsize, 8)
    parts = []
    for rows in batch_blocks(images.shape[0], per_image, BLOCK_BYTES):
        g = xp.astype(grad[rows, ...], lib, copy=False)
        if divisor is not None:
            g = g / divisor
        if mode in ("max", "min"):
            padded_grad = _winner_grad(where, images[rows, ...], g, geometry, mode)
        else:
            padded_grad = None
            for t in np.ndindex(*(geo.kernel for geo in geometry)):
                placed = _place(where, g, geometry, *t)
                padded_grad = placed if padded_grad is None else padded_grad + placed
        parts.append(fold(where, padded_grad, geometry, "constant"))
    if not parts:
        return xp.zeros(tuple(images.shape), dtype=lib, device=where.device)
    return join(where, parts)


def _winner_grad(where, block, g, geometry, mode: str):
    """Each window's gradient to its first winner (row-major tap order); padded cells never win."""
    xp = where.xp
    np_dtype = numpy_dtype(block, "images")
    best = _core.pool(where, block, geometry, mode, False, np_dtype)
    padded = pad(where, block, geometry, "constant", _core.neutral_fill(np_dtype, mode))
    reals = [real_taps(geo) for geo in geometry]  # (out, kernel) per axis: which taps read an input cell
    taken = None
    total = None
    for t in np.ndindex(*(geo.kernel for geo in geometry)):
        cells = tap(padded, geometry, *t)
        hit = cells == best
        if np_dtype.kind == "f":
            hit = xp.logical_or(hit, xp.isnan(cells))
        real = functools.reduce(np.logical_and.outer, (r[:, a] for r, a in zip(reals, t, strict=True)))[..., None]
        if not real.all():
            hit = xp.logical_and(hit, constant(where, real))
        if taken is not None:
            hit = xp.logical_and(hit, xp.logical_not(taken))
        taken = hit if taken is None else xp.logical_or(taken, hit)
        placed = _place(where, xp.where(hit, g, xp.zeros_like(g)), geometry, *t)
        total = placed if total is None else total + placed
    return total
