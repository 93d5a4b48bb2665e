"""Unpooling: max pooling's values put back where they won (PyTorch's ``max_unpool2d``), and its gradient."""

from __future__ import annotations

import numpy as np

from .._plan import checks as check
from .._plan.plans import pool_ndim
from .._plan.unpool import unpool_plan
from .._typing import ArrayIn, DType, Size
from .dispatch import backend_for
from .layout import channels_first, from_last, to_last
from .out import checked_out, deliver

__all__ = ["unpool", "unpool_backward"]


def unpool(
    values: ArrayIn,
    indices: ArrayIn,
    output_shape: Size,
    *,
    dtype: DType = None,
    layout: str = "channels_last",
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Scatter pooled values back into zeroed images, at the indices max pooling returned.

    ``out[n, r, s, k] = values[n, i, j, k]`` where ``indices[n, i, j, k] == r * w + s``,
    and 0 where no index points: the decoder half of a SegNet, and the picture of
    which cell won each window.

    The number of spatial axes is ``d = len(output_shape)`` for a tuple:
    ``(l,)`` unpools signals (PyTorch's ``max_unpool1d``), ``(d, h, w)``
    volumes (``max_unpool3d``), the indices then flat over all ``d`` axes;
    an int ``output_shape`` means 2-D.

    Parameters
    ----------
    values : array_like, shape (m, oh, ow, c), or ``(m, *out, c)`` with d spatial axes
        Pooled values, e.g. the first result of
        ``pool(images, ..., return_indices=True)``.
    indices : array_like of ints, shape (m, oh, ow, c), or ``(m, *out, c)``
        Flat indices ``row * w + col`` into each ``(h, w)`` output plane, each
        in ``[0, h * w)`` (in d dimensions row-major over the spatial axes,
        in ``[0, prod(output_shape))``): the second result of ``pool(..., return_indices=True)``
        or ``adaptive_pool(..., return_indices=True)``.
    output_shape : int or (h, w), or a tuple of d ints
        The unpooled images' spatial size, each ``>= 1`` (the pooled
        images' own, as PyTorch's ``output_size``).
    dtype : {None, numpy.float32, numpy.float64}, default None
        The result's type; ``None``: the values' own.
    layout : {'channels_last', 'channels_first'}, default 'channels_last'
        Where the batch arrays (values, indices and the result) keep their channel axis:
        ``(m, h, w, c)``, or ``(m, c, h, w)`` as PyTorch's NCHW (``(m, c, *spatial)``
        in d dimensions). A channels-first batch is read and returned as a view, without a copy.
    out : ndarray, optional
        Write the result into this NumPy array, and return it: exactly the
        result's shape (in ``layout``) and dtype, writeable, sharing no memory
        with any input; checked before any work (NumPy calls only).

    Returns
    -------
    ndarray, shape (m, h, w, c), or ``(m, *output_shape, c)``
        A new array (the ``out`` given, if one is). Where several indices name one cell (overlapping windows
        with one winner) the cell holds that winner's value.

    Raises
    ------
    TypeError, ValueError
        For arrays of the wrong rank or kind, indices that are not integers,
        of another shape than the values, or outside ``[0, h * w)``, a
        bad ``output_shape`` and a bad ``out``: all before anything is written.

    See Also
    --------
    unpool_backward : its gradient with respect to ``values``.

    Examples
    --------
    >>> import numpy as np
    >>> from convpool import pool, unpool
    >>> x = np.array([[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 7.0, 6.0]]).reshape(1, 2, 4, 1)
    >>> values, indices = pool(x, 2, return_indices=True)
    >>> indices[0, :, :, 0]
    array([[1, 6]])
    >>> unpool(values, indices, (2, 4))[0, :, :, 0]
    array([[0., 5., 0., 0.],
           [0., 0., 7., 0.]])
    >>> signal = np.array([3.0, 1.0, 4.0, 1.0, 5.0]).reshape(1, 5, 1)
    >>> values, indices = pool(signal, (2,), return_indices=True)  # a signal: windows [0, 2), [2, 4)
    >>> unpool(values, indices, (5,))[0, :, 0]
    array([3., 0., 4., 0., 0.])
    """
    first = channels_first(layout)
    door = backend_for(values, indices)
    ndim = pool_ndim(output_shape)
    pooled = check.layout(ndim - 2, "m", "c", "o")
    values = to_last(door, door.prepare(values, "values", pooled), first, ndim)
    indices = to_last(door, door.prepare(indices, "indices", pooled), first, ndim)
    plan = unpool_plan(*door.meta(values), *door.meta(indices), output_shape, dtype)
    out = checked_out(out, door, plan.out, plan.dtype, first, {"values": values, "indices": indices})
    return deliver(out, from_last(door, door.unpool(plan, values, indices), first))


def unpool_backward(
    grad_output: ArrayIn, indices: ArrayIn, *, dtype: DType = None, layout: str = "channels_last"
) -> np.ndarray:
    """Gradient of :func:`convpool.unpool` with respect to its values: a gather at the indices.

    ``grad_values[n, i, j, k] = grad_output[n, r, s, k]`` with
    ``indices[n, i, j, k] == r * w + s``; ``unpool`` is linear in its values
    and this is its adjoint (where indices repeat each value gets the cell's
    whole gradient, as in PyTorch).

    The number of spatial axes is the indices' (``indices.ndim - 2``).

    Parameters
    ----------
    grad_output : array_like, shape (m, h, w, c), or ``(m, *spatial, c)``
        Gradient of the loss with respect to the unpooled images.
    indices : array_like of ints, shape (m, oh, ow, c), or ``(m, *out, c)``
        As given to :func:`convpool.unpool`.
    dtype : {None, numpy.float32, numpy.float64}, default None
        The floating type returned; ``None``: float32 for float32 (and
        float16) ``grad_output``, float64 otherwise.
    layout : {'channels_last', 'channels_first'}, default 'channels_last'
        Where the batch arrays (grad_output, indices and the result) keep their channel axis:
        ``(m, h, w, c)``, or ``(m, c, h, w)`` as PyTorch's NCHW. A channels-first
        batch is read and returned as a view, without a copy.

    Returns
    -------
    ndarray, shape (m, oh, ow, c), or ``(m, *out, c)``
        A new array.

    Raises
    ------
    TypeError, ValueError
        As :func:`convpool.unpool`.

    Examples
    --------
    >>> import numpy as np
    >>> from convpool import unpool_backward
    >>> g = np.arange(8.0).reshape(1, 2, 4, 1)
    >>> unpool_backward(g, np.array([1, 6]).reshape(1, 1, 2, 1))[0, :, :, 0]
    array([[1., 6.]])
    """
    first = channels_first(layout)
    door = backend_for(grad_output, indices)
    indices = door.prepare(indices, "indices", "(m, *out, c)")
    ndim = len(door.meta(indices)[0])
    indices = to_last(door, indices, first, ndim)
    grad = to_last(door, door.prepare(grad_output, "grad_output", "(m, *spatial, c)"), first, ndim)
    grad_shape, grad_dtype = door.meta(grad)
    shape, index_dtype = door.meta(indices)
    # the unpooled size is grad_output's; indices without spatial axes, or a grad_output of another rank,
    # are reported by the plan's checks (an int: 2-D; the indices' own size: grad_output's rank is checked)
    spatial = 2 if ndim < 3 else tuple(grad_shape[1:-1]) if len(grad_shape) == ndim else tuple(shape[1:-1])
    plan = unpool_plan(shape, index_dtype, shape, index_dtype, spatial, dtype, grad=(grad_shape, grad_dtype))
    return from_last(door, door.unpool_backward(plan, grad, indices), first)
