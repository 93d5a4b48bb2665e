"""The array-API core: padding, convolution and pooling with standard functions only.

Written against the array API standard (through ``array_api_compat``), so it
runs on any compliant library and device and under JAX's ``jit``: no in-place
writes, no data-dependent shapes, no conversion to NumPy. Index maps and
divisors are computed in NumPy from the shapes alone (metadata) and sent to
the device as constants. It is the reference the native paths are tested
against, and the path for every library and device without one.

All sizes come from :mod:`convpool._plan._shapes` (the geometry the public checks
returned); ``where`` is the call's :class:`~convpool._backends.xp.arrays.Home`.
"""

from __future__ import annotations

import math

import numpy as np

from ..._plan._shapes import average_divisor, source_cells
from ..numpy.blocking import batch_blocks
from ..numpy.pooling import neutral_fill

#: Bytes of working memory per batch block (padded block, one tap's product,
#: the running sum). Larger than the NumPy engine's: on an accelerator each
#: block is a few kernel launches, and those should be large.
BLOCK_BYTES = 64 * 1024 * 1024


def constant(where, values: np.ndarray, dtype=None):
    """Host metadata (an index map, a divisor) as an array on the call's device."""
    xp = where.xp
    array = xp.asarray(values) if where.device is None else xp.asarray(values, device=where.device)
    return array if dtype is None else xp.astype(array, dtype)


def join(where, parts: list, axis: int = 0):
    """Concatenate block results (one block: itself)."""
    return parts[0] if len(parts) == 1 else where.xp.concat(parts, axis=axis)


def pad(where, x, geometry, mode: str, fill):
    """``x`` (b, *spatial, c) padded on its spatial axes exactly as ``numpy.pad(x, widths, mode)``.

    ``'constant'``: blocks of ``fill`` concatenated on each side. Other modes
    gather: padded cell ``p`` of an axis copies input cell
    ``numpy.pad(arange(size), (before, after), mode)[p]``, axis by axis in
    order, as ``numpy.pad`` does (so the corners agree too).
    """
    xp = where.xp
    for axis, g in enumerate(geometry, start=1):
        if g.before + g.after == 0:
            continue
        if mode == "constant":
            parts = []
            for width in (g.before, None, g.after):
                if width is None:
                    parts.append(x)
                elif width:
                    shape = list(x.shape)
                    shape[axis] = width
                    parts.append(xp.full(tuple(shape), fill, dtype=x.dtype, device=where.device))
            x = xp.concat(parts, axis=axis)
        else:
            source = source_cells(g, mode).astype(np.int32)
            x = xp.take(x, constant(where, source), axis=axis)
    return x


def tap(padded, geometry, *taps: int):
    """The (b, *out, c) strided slice kernel tap ``taps`` reads: cell ``i * s + t * d`` along each axis."""
    cells = (
        slice(t * g.dilation, t * g.dilation + (g.out - 1) * g.stride + 1, g.stride)
        for t, g in zip(taps, geometry, strict=True)
    )
    return padded[tuple([slice(None), *cells, slice(None)])]


def correlate(where, images, kernels, geometry, mode: str, fill, dtype: np.dtype):
    """``out[n, i, j, o] = sum_{a, b, k} pad(x)[n, i*sh + a*dh, j*sw + b*dw, k] * kernels[a, b, k, o]``.

    images (m, *spatial, c), kernels (*k, c, nc) -> (m, *out, nc) of ``dtype`` (NumPy's name):
    per batch block, one ``matmul`` per tap, ``(b, *out, c) @ (c, nc)``,
    accumulated. Inputs are cast to ``dtype`` first, so integer sums run in
    floating point and never wrap.
    """
    xp = where.xp
    c, nc = kernels.shape[-2:]
    outs = tuple(g.out for g in geometry)
    m, lib = images.shape[0], library_dtype(where, dtype)
    weights = xp.astype(kernels, lib, copy=False)
    if m == 0:
        return xp.zeros((0, *outs, nc), dtype=lib, device=where.device)
    per_image = (math.prod(g.padded for g in geometry) * c + math.prod(outs) * (c + 2 * nc)) * dtype.itemsize
    parts = []
    for rows in batch_blocks(m, per_image, BLOCK_BYTES):
        padded = pad(where, xp.astype(images[rows, ...], lib, copy=False), geometry, mode, fill)
        total = None
        for taps in np.ndindex(*kernels.shape[:-2]):
            term = xp.matmul(tap(padded, geometry, *taps), weights[tuple([*taps, ...])])
            total = term if total is None else total + term
        parts.append(total)
    return join(where, parts)


def library_dtype(where, dtype: np.dtype):
    """The namespace's dtype of NumPy's name (checked to exist before any work, see ``arrays.library_dtype``)."""
    return getattr(where.xp, dtype.name)


def _combine(xp, mode: str, is_bool: bool):
    if mode == "max":
        return xp.logical_or if is_bool else xp.maximum
    if mode == "min":
        return xp.logical_and if is_bool else xp.minimum
    return xp.add


def window_reduce(where, padded, geometry, mode: str):
    """Reduce (``max``, ``min`` or sum) over the taps of every window of a padded block."""
    xp = where.xp
    combine = _combine(xp, mode, padded.dtype == xp.bool)
    total = None
    for taps in np.ndindex(*(g.kernel for g in geometry)):
        cells = tap(padded, geometry, *taps)
        total = cells if total is None else combine(total, cells)
    if (
        math.prod(g.kernel for g in geometry) == 1
    ):  # one tap: a slice of the input, and results never share memory with inputs
        total = xp.asarray(total, copy=True)
    return total


def pool(where, images, geometry, mode: str, count_include_pad: bool, dtype: np.dtype):
    """Max, min, sum or average over every window; images (m, *spatial, c) -> (m, *out, c) of ``dtype``.

    Padded cells hold a value that never wins (``-inf`` / the integer minimum
    for a max) or adds nothing (0); an average divides by
    :func:`convpool._plan._shapes.average_divisor`. ``dtype`` is the result's NumPy
    dtype (the images' own for max and min).
    """
    xp = where.xp
    outs = tuple(g.out for g in geometry)
    m, c, lib = images.shape[0], images.shape[-1], library_dtype(where, dtype)
    if m == 0:
        return xp.zeros((0, *outs, c), dtype=lib, device=where.device)
    fill = neutral_fill(dtype, mode)
    per_image = (math.prod(g.padded for g in geometry) + 2 * math.prod(outs)) * c * dtype.itemsize
    divisor = None
    if mode == "avg":
        divisor = constant(where, average_divisor(geometry, count_include_pad), lib)
    parts = []
    for rows in batch_blocks(m, per_image, BLOCK_BYTES):
        block = xp.astype(images[rows, ...], lib, copy=False)
        result = window_reduce(where, pad(where, block, geometry, "constant", fill), geometry, mode)
        parts.append(result / divisor if divisor is not None else result)
    return join(where, parts)
