"""Adaptive and global pooling: give the output size, the windows follow (PyTorch's ``adaptive_*_pool2d``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import SupportsIndex

import numpy as np

from .._plan import checks as check
from .._plan.adaptive import adaptive_plan
from .._plan.plans import pool_ndim
from .._typing import ArrayIn, DType, Size
from .dispatch import backend_for
from .layout import channels_first, from_last, to_last
from .out import checked_out, deliver

__all__ = ["adaptive_pool", "adaptive_pool_backward"]


def adaptive_pool(
    images: ArrayIn,
    output_shape: Size | Sequence[SupportsIndex | None] | None,
    mode: str = "avg",
    *,
    dtype: DType = None,
    return_indices: bool = False,
    layout: str = "channels_last",
    out: np.ndarray | None = None,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Pool a batch of images (or signals, or volumes) to a given output size, each channel on its own.

    Output ``(i, j)`` reduces the window of rows ``[r0, r1)`` and columns ``[c0, c1)``::

        r0 = floor(i * h / oh),  r1 = ceil((i + 1) * h / oh)
        c0 = floor(j * w / ow),  c1 = ceil((j + 1) * w / ow)

    as PyTorch's ``adaptive_avg_pool2d`` / ``adaptive_max_pool2d``. When ``oh``
    divides ``h`` (and ``ow`` divides ``w``) these are :func:`convpool.pool`'s
    windows with ``kernel_shape = stride = (h // oh, w // ow)``; otherwise
    neighbouring windows may differ in size and overlap. ``output_shape=1`` is
    global pooling: one value per image and channel (the head of most
    classifiers, TensorFlow's ``GlobalAveragePooling2D``).

    The number of spatial axes is ``d = len(output_shape)`` for a tuple:
    ``(ol,)`` pools signals ``(m, l, c)`` (PyTorch's ``adaptive_*_pool1d``),
    ``(od, oh, ow)`` volumes ``(m, d, h, w, c)`` (``adaptive_*_pool3d``), each
    axis's windows by the rule above; an int ``output_shape`` means 2-D.

    Parameters
    ----------
    images : array_like, shape (m, h, w, c), or ``(m, *spatial, c)`` with d spatial axes
        NumPy, Dask, or another array library's arrays (the result is of the
        same kind; other libraries' arrays must be in host memory).
    output_shape : int or (oh, ow), or a tuple of d values
        Output size, each ``>= 1`` (it may exceed the input's: windows then
        repeat cells); ``None`` in a place keeps that axis's size.
    mode : {'avg', 'max', 'min', 'sum'}, default 'avg'
        The reduction; the default is the average, as global average pooling
        is what this function is mostly for (:func:`convpool.pool` defaults
        to ``'max'``).
    dtype : {None, numpy.float32, numpy.float64}, default None
        The floating type the work is done in and returned, as in
        :func:`convpool.pool`.
    return_indices : bool, default False
        For ``'max'`` and ``'min'``: also return where each value came from.
    layout : {'channels_last', 'channels_first'}, default 'channels_last'
        Where the batch arrays (images, the result and its indices) keep their channel axis:
        ``(m, h, w, c)``, or ``(m, c, h, w)`` as PyTorch's NCHW (``(m, c, *spatial)``
        in d dimensions). A channels-first batch is read and returned as a view, without a copy.
    out : ndarray, optional
        Write the pooled values (not the indices) into this NumPy array, and
        return it: exactly the result's shape (in ``layout``) and dtype,
        writeable, sharing no memory with any input; checked before any work
        (NumPy calls only).

    Returns
    -------
    out : ndarray, shape (m, oh, ow, c), or ``(m, *out, c)``
        A new array (the ``out`` given, if one is); ``'max'`` and ``'min'`` keep the input dtype, ``'avg'``
        and ``'sum'`` give float32 for float32 (and float16) input, float64
        otherwise (``dtype`` overrides both).
    indices : ndarray of int64, shape (m, oh, ow, c), or ``(m, *out, c)``
        Only with ``return_indices``: the flat index ``row * w + col`` of each
        window's winner in its image plane (PyTorch's definition; in d
        dimensions the row-major index over the spatial axes,
        ``(z * h + row) * w + col`` in 3-D), the first in row-major order on
        ties, a NaN winning over numbers.

    Raises
    ------
    TypeError, ValueError
        For images that are not a non-empty numeric batch with ``len(output_shape) + 2``
        axes (4 for an int), an ``output_shape`` that is not positive ints, an unknown ``mode``,
        ``return_indices`` with ``'avg'`` or ``'sum'``, or a bad ``out``.

    See Also
    --------
    adaptive_pool_backward : its gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from convpool import adaptive_pool
    >>> x = np.arange(10.0).reshape(1, 2, 5, 1)
    >>> adaptive_pool(x, 1)[0, :, :, 0]  # global average pooling
    array([[4.5]])
    >>> adaptive_pool(x, (1, 3), mode="max")[0, :, :, 0]  # columns [0, 2), [1, 4), [3, 5)
    array([[6., 8., 9.]])
    >>> adaptive_pool(x, (1, 3), mode="max", return_indices=True)[1][0, :, :, 0]
    array([[6, 8, 9]])
    >>> adaptive_pool(np.arange(5.0).reshape(1, 5, 1), (2,), mode="max")[0, :, 0]  # a signal: [0, 3), [2, 5)
    array([2., 4.])
    >>> adaptive_pool(np.ones((1, 3, 4, 5, 2)), (1, 1, 1)).shape  # global pooling of volumes
    (1, 1, 1, 1, 2)
    """
    first = channels_first(layout)
    door = backend_for(images)
    ndim = pool_ndim(output_shape)
    images = to_last(door, door.prepare(images, "images", check.layout(ndim - 2, "m", "c")), first, ndim)
    plan = adaptive_plan(*door.meta(images), output_shape, mode, dtype, lazy=door.LAZY)
    wanted = check.indices_wanted(return_indices, plan.mode)
    out = checked_out(out, door, plan.out, plan.dtype, first, {"images": images})
    values = deliver(out, from_last(door, door.adaptive_pool(plan, images), first))
    return (values, from_last(door, door.adaptive_winners(plan, images), first)) if wanted else values


def adaptive_pool_backward(
    grad_output: ArrayIn,
    images: ArrayIn,
    output_shape: Size | Sequence[SupportsIndex | None] | None,
    mode: str = "avg",
    *,
    dtype: DType = None,
    layout: str = "channels_last",
) -> np.ndarray:
    """Gradient of :func:`convpool.adaptive_pool` with respect to its images.

    Each window passes its ``grad_output`` cell back to the cells it read:
    ``'avg'``: ``grad_output / ((r1 - r0) * (c1 - c0))`` to each of them;
    ``'sum'``: ``grad_output`` to each; ``'max'`` / ``'min'``: all of it to
    the window's first winner (the cell ``return_indices`` names). Where
    windows overlap, a cell's gradients from all of them add up.

    Parameters
    ----------
    grad_output : array_like, shape (m, oh, ow, c), or ``(m, *out, c)``
        Gradient of the loss with respect to the pooled output; exactly the
        forward output's shape.
    images, output_shape, mode
        Exactly as given to :func:`convpool.adaptive_pool`.
    dtype : {None, numpy.float32, numpy.float64}, default None
        The floating type the work is done in and returned; ``None``: the
        type NumPy promotes images and grad_output to (float32 stays float32;
        integers and bools alone give float64).
    layout : {'channels_last', 'channels_first'}, default 'channels_last'
        Where the batch arrays (grad_output, images and the result) keep their channel axis:
        ``(m, h, w, c)``, or ``(m, c, h, w)`` as PyTorch's NCHW. A channels-first
        batch is read and returned as a view, without a copy.

    Returns
    -------
    ndarray, shape (m, h, w, c), or ``(m, *spatial, c)``
        A new array.

    Raises
    ------
    TypeError, ValueError
        Whatever :func:`convpool.adaptive_pool` raises for the same arguments,
        and a ``ValueError`` showing both shapes when ``grad_output`` does not
        have the forward output's shape.

    Examples
    --------
    >>> import numpy as np
    >>> from convpool import adaptive_pool_backward
    >>> x = np.arange(5.0).reshape(1, 1, 5, 1)
    >>> adaptive_pool_backward(np.ones((1, 1, 3, 1)), x, (1, 3))[0, 0, :, 0]  # windows [0, 2), [1, 4), [3, 5)
    array([0.5       , 0.83333333, 0.33333333, 0.83333333, 0.5       ])
    """
    first = channels_first(layout)
    door = backend_for(grad_output, images)
    ndim = pool_ndim(output_shape)
    grad = to_last(door, door.prepare(grad_output, "grad_output", check.layout(ndim - 2, "m", "c", "o")), first, ndim)
    images = to_last(door, door.prepare(images, "images", check.layout(ndim - 2, "m", "c")), first, ndim)
    plan = adaptive_plan(*door.meta(images), output_shape, mode, dtype, grad=door.meta(grad), lazy=door.LAZY)
    return from_last(door, door.adaptive_pool_backward(plan, grad, images), first)
