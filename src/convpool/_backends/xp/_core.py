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
    """``x`` (b, h, w, c) padded on axes 1 and 2 exactly as ``numpy.pad(x, widths, mode)``.

    ``'constant'``: blocks of ``fill`` concatenated on each side. Other modes
    gather: padded cell ``p`` of an axis copies input cell
    ``numpy.pad(arange(size), (before, after), mode)[p]``, axis 1 then axis 2,
    as ``numpy.pad`` does (so the corners agree too).
    """
    xp = where.xp
    for axis, g in ((1, geometry[0]), (2, geometry[1])):
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


def tap(padded, geometry, a: int, b: int):
    """The (b, oh, ow, c) strided slice kernel tap ``(a, b)`` reads: cell ``(i*sh + a*dh, j*sw + b*dw)``."""
    gh, gw = geometry
    top, left = a * gh.dilation, b * gw.dilation
    return padded[
        :,
        top : top + (gh.out - 1) * gh.stride + 1 : gh.stride,
        left : left + (gw.out - 1) * gw.stride + 1 : gw.stride,
        :,
    ]


def correlate(where, images, kernels, geometry, mode: str, fill, dtype: np.dtype):
    """``out[n, i, j, o] = sum_{a, b, k} pad(x)[n, i*sh + a*dh, j*sw + b*dw, k] * kernels[a, b, k, o]``.

    images (m, h, w, c), kernels (kh, kw, c, nc) -> (m, oh, ow, nc) of ``dtype`` (NumPy's name):
    per batch block, one ``matmul`` per tap, ``(b, oh, ow, c) @ (c, nc)``,
    accumulated. Inputs are cast to ``dtype`` first, so integer sums run in
    floating point and never wrap.
    """
    xp = where.xp
    gh, gw = geometry
    kh, kw, c, nc = kernels.shape
    m, lib = images.shape[0], library_dtype(where, dtype)
    weights = xp.astype(kernels, lib, copy=False)
    if m == 0:
        return xp.zeros((0, gh.out, gw.out, nc), dtype=lib, device=where.device)
    per_image = (gh.padded * gw.padded * c + gh.out * gw.out * (c + 2 * nc)) * dtype.itemsize
    parts = []
    for rows in batch_blocks(m, per_image, BLOCK_BYTES):
        padded = pad(where, xp.astype(images[rows, ...], lib, copy=False), geometry, mode, fill)
        total = None
        for a in range(kh):
            for b in range(kw):
                term = xp.matmul(tap(padded, geometry, a, b), weights[a, b, ...])
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
    gh, gw = geometry
    combine = _combine(xp, mode, padded.dtype == xp.bool)
    total = None
    for a in range(gh.kernel):
        for b in range(gw.kernel):
            cells = tap(padded, geometry, a, b)
            total = cells if total is None else combine(total, cells)
    if gh.kernel * gw.kernel == 1:  # one tap: a slice of the input, and results never share memory with inputs
        total = xp.asarray(total, copy=True)
    return total


def pool(where, images, geometry, mode: str, count_include_pad: bool, dtype: np.dtype):
    """Max, min, sum or average over every window; images (m, h, w, c) -> (m, oh, ow, c) of ``dtype``.

    Padded cells hold a value that never wins (``-inf`` / the integer minimum
    for a max) or adds nothing (0); an average divides by
    :func:`convpool._plan._shapes.average_divisor`. ``dtype`` is the result's NumPy
    dtype (the images' own for max and min).
    """
    xp = where.xp
    gh, gw = geometry
    m, c, lib = images.shape[0], images.shape[3], library_dtype(where, dtype)
    if m == 0:
        return xp.zeros((0, gh.out, gw.out, c), dtype=lib, device=where.device)
    fill = neutral_fill(dtype, mode)
    per_image = (gh.padded * gw.padded + 2 * gh.out * gw.out) * c * dtype.itemsize
    divisor = None
    if mode == "avg":
        divisor = constant(where, average_divisor(geometry, count_include_pad), lib)
    parts = []
    for rows in batch_blocks(m, per_image, BLOCK_BYTES):
        block = xp.astype(images[rows, ...], lib, copy=False)
        result = window_reduce(where, pad(where, block, geometry, "constant", fill), geometry, mode)
        parts.append(result / divisor if divisor is not None else result)
    return join(where, parts)
