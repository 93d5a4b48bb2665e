"""Pooling: max, average, min and sum over sliding windows."""

from __future__ import annotations

import numpy as np

from .._plan.plans import pool_plan
from .._typing import ArrayIn, DType, Padding, Size, typed_pool
from .dispatch import backend_for

__all__ = ["pool"]


@typed_pool
def pool(
    images: ArrayIn,
    kernel_shape: Size,
    stride: Size,
    mode: str = "max",
    *,
    padding: Padding = "valid",
    count_include_pad: bool = False,
    threads: int | None = None,
    dtype: DType = None,
    dilation: Size = 1,
    ceil_mode: bool = False,
) -> np.ndarray:
    """Pool a batch of images window by window, each channel on its own.

    ``out[n, i, j, k] = reduce_{a < kh, b < kw} xp[n, i*sh + a*dh, j*sw + b*dw, k]``

    Parameters
    ----------
    images : array_like, shape (m, h, w, c)
    kernel_shape : int or (kh, kw)
        Window size, each ``>= 1``.
    stride : int or (sh, sw)
        Step between windows, each ``>= 1``.
    mode : {'max', 'avg', 'min', 'sum'}, default 'max'
    padding : {'valid', 'same', 'full'}, int, (ph, pw) or ((top, bottom), (left, right))
        As in :func:`convpool.convolve`. Padded cells never win a max or min and
        are not counted in an average unless ``count_include_pad``. Every window
        must hold at least one input cell.
    count_include_pad : bool, default False
        For ``'avg'``: divide every window by ``kh * kw`` (padded cells count as
        zeros) instead of by the number of input cells it covers.
    threads : int, optional
        Threads working on batch blocks at once, as in :func:`convpool.convolve`.
    dtype : {None, numpy.float32, numpy.float64}, default None
        The floating type the work is done in and returned, for every mode:
        ``'max'`` and ``'min'`` too (their values are the input's, converted,
        so an integer image gives floats). Integer images are converted block
        by block. ``None``: the rules under Returns.
    dilation : int or (dh, dw), default 1
        Spacing between the window's taps, each ``>= 1``: a window of ``kh x kw``
        taps spans ``(kh - 1) * dh + 1`` rows and ``(kw - 1) * dw + 1`` columns
        (PyTorch's ``max_pool2d(dilation=)``).
    ceil_mode : bool, default False
        Round the output size up instead of down, as PyTorch defines it: the
        last window may reach past the padding (those cells count as padding:
        they never win and are never averaged, not even with
        ``count_include_pad``), but it must start inside the image or its
        top/left padding.

    Returns
    -------
    ndarray, shape (m, oh, ow, c)
        A new array. ``dtype`` if given; else ``'max'`` and ``'min'`` keep the
        input dtype, and ``'avg'`` and ``'sum'`` give float32 for float32 (and
        float16) input, float64 otherwise.

    Raises
    ------
    TypeError, ValueError
        As for :func:`convpool.convolve`; also for an unknown ``mode``, a zero
        window, or padding so large that a window holds only padding.

    Notes
    -----
    ``oh = (h + top + bottom - (kh - 1) * dh - 1) // sh + 1``, likewise ``ow``.
    With ``ceil_mode``: ``oh = ceil((h + top + bottom - (kh - 1) * dh - 1) / sh) + 1``,
    minus one if ``(oh - 1) * sh >= h + top``. With ``count_include_pad`` an
    average divides by the window's taps inside the padded image
    ``[-top, h + bottom)`` (``kh * kw`` unless ``ceil_mode`` cut the window),
    as PyTorch's ``avg_pool2d`` does.

    Examples
    --------
    >>> import numpy as np
    >>> from convpool import pool
    >>> x = np.arange(16).reshape(1, 4, 4, 1)
    >>> pool(x, (2, 2), (2, 2), mode="max")[0, :, :, 0]
    array([[ 5,  7],
           [13, 15]])
    >>> pool(x, 2, 2, mode="avg")[0, :, :, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    >>> pool(x, 2, 2, dilation=2)[0, :, :, 0]  # taps 2 apart: one window, rows and columns 0 and 2
    array([[10]])
    >>> pool(x[:, :3, :3], 2, 2, ceil_mode=True)[0, :, :, 0]  # the last row and column alone
    array([[ 5,  6],
           [ 9, 10]])
    """
    door = backend_for(images)
    images = door.prepare(images, "images", "(m, h, w, c)")
    plan = pool_plan(
        *door.meta(images), kernel_shape, stride, mode, padding, count_include_pad, threads, dilation, ceil_mode,
        dtype, lazy=door.LAZY,
    )  # fmt: skip
    return door.pool(plan, images)
