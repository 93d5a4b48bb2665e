"""Direct cross-correlation: a loop over kernel taps, each a multiply-add of a shifted view.

For each block of images and each tap ``(a, b)``::

    out[n, i, j, :] += padded[n, i*sh + a*dh, j*sw + b*dw, :] @ kernels[a, b]

so the work per tap is one ``matmul`` over channels (or one scaled add when
there is a single input and output channel) and no im2col matrix is built.
"""

from __future__ import annotations

import numpy as np

from .blocking import batch_blocks, pad_block, tap_view


def correlate(images, kernels, geometry, pad_mode: str, pad_value, dtype) -> np.ndarray:
    """Batched cross-correlation of checked arguments.

    Parameters
    ----------
    images : ndarray, shape (m, h, w, c)
    kernels : ndarray, shape (kh, kw, c, nc)
    geometry : pair of AxisGeometry (height, width), from ``_shapes.geometry_2d``
    pad_mode, pad_value : as in ``numpy.pad``
    dtype : floating dtype to compute and return in

    Returns
    -------
    ndarray, shape (m, oh, ow, nc), a new array of ``dtype``.
    """
    m, _, _, c = images.shape
    kh, kw, _, nc = kernels.shape
    gh, gw = geometry
    out = np.empty((m, gh.out, gw.out, nc), dtype=dtype)
    weights = kernels.astype(dtype, copy=False)
    per_image = (gh.padded * gw.padded * c + 2 * gh.out * gw.out * nc) * dtype.itemsize
    scalar = c == 1 and nc == 1
    for rows in batch_blocks(m, per_image):
        padded = pad_block(images[rows], geometry, pad_mode, pad_value, dtype)
        acc = out[rows]
        term = np.empty_like(acc)
        for a in range(kh):
            for b in range(kw):
                view = tap_view(padded, geometry, a, b)
                target = acc if (a, b) == (0, 0) else term
                if scalar:
                    np.multiply(view, weights[a, b, 0, 0], out=target)
                else:
                    np.matmul(view, weights[a, b], out=target)
                if target is term:
                    acc += term
    return out
