"""Pooling: max, average, min and sum over sliding windows."""

from __future__ import annotations

import numpy as np

from .._plan import checks as check
from .._plan.plans import pool_ndim, pool_plan
from .._typing import ArrayIn, DType, Padding, Size, typed_pool
from .dispatch import backend_for
from .layout import channels_first, from_last, to_last
from .out import checked_out

__all__ = ["pool"]


@typed_pool
def pool(
    images: ArrayIn,
    kernel_shape: Size,
    stride: Size | None = None,
    mode: str = "max",
    *,
    padding: Padding = "valid",
    count_include_pad: bool = False,
    threads: int | None = None,
    dtype: DType = None,
    dilation: Size = 1,
    ceil_mode: bool = False,
    p: float | None = None,
    return_indices: bool = False,
    layout: str = "channels_last",
    out: np.ndarray | None = None,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Pool a batch of images (or signals, or volumes) window by window, each channel on its own.

    ``out[n, i, j, k] = reduce_{a < kh, b < kw} xp[n, i*sh + a*dh, j*sw + b*dw, k]``

    The number of spatial axes is ``d = len(kernel_shape)`` for a tuple:
    ``(3,)`` pools signals ``(m, l, c)``, ``(2, 2, 2)`` volumes ``(m, d, h, w, c)``;
    an int ``kernel_shape`` means 2-D, as always. ``stride``, ``dilation`` and
    ``padding`` then take ``d`` values (or one int for every axis).

    Parameters
    ----------
    images : array_like, shape (m, h, w, c), or ``(m, *spatial, c)`` with d spatial axes
    kernel_shape : int or (kh, kw), or a tuple of d ints
        Window size, each ``>= 1``.
    stride : int or (sh, sw), or a tuple of d ints, optional
        Step between windows, each ``>= 1``. ``None`` (the default): the
        window, ``kernel_shape`` (windows side by side, as PyTorch).
    mode : {'max', 'avg', 'min', 'sum', 'lp'}, default 'max'
        ``'lp'``: the power-average ``(sum x ** p) ** (1 / p)`` over each
        window (PyTorch's ``lp_pool2d``; ``p=2``: the window's L2 norm,
        ``p=1``: ``'sum'``); see Notes.
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
    p : float, optional
        The power of ``mode='lp'``, a finite real ``> 0``; only with ``'lp'``.
    return_indices : bool, default False
        For ``'max'`` and ``'min'``: also return where each value came from
        (PyTorch's ``max_pool2d(return_indices=True)``), for
        :func:`convpool.unpool`.
    layout : {'channels_last', 'channels_first'}, default 'channels_last'
        Where the batch arrays (images, the result and its indices) keep their channel axis:
        ``(m, h, w, c)``, or ``(m, c, h, w)`` as PyTorch's NCHW. A channels-first
        batch is read and returned as a view, without a copy.
    out : ndarray, optional
        Write the pooled values (not the indices) into this NumPy array, and return it: exactly the result's
        shape (in ``layout``) and dtype, writeable, sharing no memory with any
        input; checked before any work (NumPy calls only).

    Returns
    -------
    out : ndarray, shape (m, oh, ow, c), or ``(m, *out, c)``
        A new array (the ``out`` given, if one is). ``dtype`` if given; else ``'max'`` and ``'min'`` keep the
        input dtype, and ``'avg'``, ``'sum'`` and ``'lp'`` give float32 for float32 (and
        float16) input, float64 otherwise.
    indices : ndarray of int64, shape (m, oh, ow, c)
        Only with ``return_indices``: the flat index ``row * w + col`` of each
        window's winner in its unpadded image plane, as PyTorch defines it;
        padding never wins, a tie goes to the first winner in window order
        (row-major) and a NaN wins over numbers (the first NaN), the cell
        :func:`convpool.pool_backward` gives the gradient to.

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

    ``'lp'``: ``out = ``(s * sum_{a, b} xp[n, i*sh + a*dh, j*sw + b*dw, k] ** p)`` ** (1 / p)``,
    padded cells adding 0; ``s = 1``, except for a window that ``ceil_mode`` cut,
    where ``s = kh * kw / n`` with ``n`` its taps inside the padded image, as
    PyTorch's ``lp_pool2d`` (an average of ``x ** p`` times ``kh * kw``) computes.
    As there, a negative sum (odd ``p``, negative cells) or a negative cell
    with a fractional ``p`` gives NaN.

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
    >>> pool(np.full((1, 2, 2, 1), 3.0), 2, mode="lp", p=2)[0, :, :, 0]  # stride = window; sqrt(4 * 9)
    array([[6.]])
    >>> pool(np.arange(8).reshape(1, 2, 2, 2, 1), (2, 2, 2), 2)[0, ..., 0]  # one 2x2x2 volume window
    array([[[7]]])
    >>> pool(np.arange(6.0).reshape(1, 6, 1), (3,), 3, mode="avg")[:, :, 0]  # a signal
    array([[1., 4.]])
    """
    first = channels_first(layout)
    door = backend_for(images)
    ndim = pool_ndim(kernel_shape)
    images = to_last(door, door.prepare(images, "images", "(m, h, w, c)"), first, ndim)
    plan = pool_plan(
        *door.meta(images), kernel_shape, stride, mode, padding, count_include_pad, threads, dilation, ceil_mode,
        dtype, lazy=door.LAZY, p=p,
    )  # fmt: skip
    wanted = check.indices_wanted(return_indices, plan.mode)
    out = checked_out(out, door, plan.out, plan.dtype, first, {"images": images})
    if out is None:
        values = from_last(door, door.pool(plan, images), first)
    else:  # the NumPy engine writes into it: a repeated call allocates no result
        values = out
        door.pool(plan, images, out=to_last(door, out, first, ndim))
    return (values, from_last(door, door.pool_winners(plan, images), first)) if wanted else values
