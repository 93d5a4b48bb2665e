"""Backward passes: gradients of :func:`convolve` and :func:`pool` for training CNNs.

Each builds the forward call's plan (with ``grad_output``'s shape and dtype)
and hands it to the backend's ``correlate_backward`` or ``pool_backward``.
How the NumPy backend computes them (the stride-1 input gradient as a
forward convolution with flipped kernels, tap-loop transposes, im2col GEMMs
for the kernel gradient, the exact adjoint of each ``pad_mode``, first-winner
max pooling) is told in :mod:`convpool._backends.numpy.backward` and
``docs/gradients.md``; working memory stays bounded by batch blocks, as in the
forward pass.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from .._plan.plans import ConvPlan, conv_plan, pool_ndim, pool_plan
from .._typing import ArrayIn, DType, Padding, Size, typed_conv_backward, typed_pool_backward
from .dispatch import backend_for, check_wrt
from .layout import channels_first, from_last, to_last
from .out import checked_out, deliver

__all__ = ["convolve_backward", "pool_backward"]


# --------------------------------------------------------------------------- convolution


@typed_conv_backward
def convolve_backward(
    grad_output: ArrayIn,
    images: ArrayIn,
    kernels: ArrayIn,
    padding: Padding = "same",
    stride: Size = 1,
    *,
    dilation: Size = 1,
    pad_mode: str = "constant",
    pad_value: float = 0,
    dtype: DType = None,
    groups: int = 1,
    wrt: str = "both",
    layout: str = "channels_last",
    out: tuple | None = None,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Gradients of :func:`convpool.convolve` with respect to its images and kernels.

    For ``out = convolve(images, kernels, padding, stride, ...)`` and a loss
    ``L`` with ``grad_output = dL/dout``::

        grad_kernels[a, b, k, o] = sum_{n, i, j} xp[n, i*sh + a*dh, j*sw + b*dw, k] * g[n, i, j, o]
        grad_xp[n, p, q, k] = sum_{o; i*sh + a*dh = p; j*sw + b*dw = q} g[n, i, j, o] * kernels[a, b, k, o]

    with ``g = grad_output``, and ``grad_images`` is ``grad_xp`` folded back through the padding: each
    padded cell's gradient goes to the input cell ``np.pad`` copied it from
    (``'constant'`` cells depend on no input and are dropped).

    Parameters
    ----------
    grad_output : array_like, shape (m, oh, ow, nc), or ``(m, *out, nc)``
        Gradient of the loss with respect to the forward output; its shape must
        be exactly the forward output's (signals and volumes as in
        :func:`convpool.convolve`: ``d = kernels.ndim - 2`` spatial axes).
    images, kernels, padding, stride, dilation, pad_mode, pad_value, groups
        Exactly as given to :func:`convpool.convolve` (every padding form,
        stride, dilation, pad mode and group count it accepts). With
        ``groups = G`` the formulas above run over the group's channels only:
        ``k`` is ``g*cg + k'`` for output ``o`` of group ``g = o // (nc // G)``.
    dtype : {None, numpy.float32, numpy.float64}, default None
        The floating type the work is done in and returned, as in
        :func:`convpool.convolve`; ``None``: the rules under Returns.
    wrt : {'both', 'images', 'kernels'}, default 'both'
        Which gradients to compute; the other is returned as ``None``. A
        network's first layer needs only ``'kernels'`` (its input is the data),
        which skips the input gradient's work (about half the call), as
        PyTorch skips inputs that do not require grad. With ``groups > 1``,
        and for Dask arrays and arrays of other libraries, both are computed
        and the other dropped.
    layout : {'channels_last', 'channels_first'}, default 'channels_last'
        Where the batch arrays (grad_output, images and grad_images) keep their channel axis:
        ``(m, h, w, c)``, or ``(m, c, h, w)`` as PyTorch's NCHW. A channels-first
        batch is read and returned as a view, without a copy; kernels keep ``(kh, kw, c, nc)``.
    out : (ndarray or None, ndarray or None), optional
        Write ``grad_images`` and ``grad_kernels`` into these NumPy arrays
        (``None`` in a place: a new array; ``None`` where ``wrt`` does not
        ask for that gradient), and return them: each exactly its result's
        shape (``grad_images`` in ``layout``) and dtype, writeable, sharing
        no memory with any input; checked before any work (NumPy calls only).

    Returns
    -------
    grad_images : ndarray, shape (m, h, w, c), or None for ``wrt='kernels'``
    grad_kernels : ndarray, shape (kh, kw, c // groups, nc), or None for ``wrt='images'``
        New arrays of ``dtype``; by default the floating type NumPy promotes
        images, kernels and grad_output to (float32 stays float32); integers
        and bools alone give float64, float16 gives float32.

    Raises
    ------
    TypeError, ValueError
        Whatever :func:`convpool.convolve` raises for the same arguments, and a
        ``ValueError`` showing both shapes when ``grad_output`` does not have
        the forward output's shape.

    Notes
    -----
    Along each axis ``oh = (h + top + bottom - (kh - 1) * dh - 1) // sh + 1``.
    ``kernels -> convolve(x, kernels)`` is linear, and ``grad_kernels`` is its
    adjoint: ``<convolve(x, k), g> == <k, grad_kernels>`` (constant pad cells
    enter with their ``pad_value``). ``images -> convolve(images, k)`` is linear
    when ``pad_value == 0``, and then ``<convolve(x, k), g> == <x, grad_images>``.
    The cost is about twice the forward pass: one correlation-sized pass for
    each gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from convpool import convolve_backward
    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> k = np.ones((2, 2, 1, 1))
    >>> gx, gk = convolve_backward(np.ones((1, 2, 2, 1)), x, k, padding="valid")
    >>> gx[0, :, :, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> gk[:, :, 0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    >>> convolve_backward(np.ones((1, 2, 2, 1)), x, k, padding="valid", wrt="kernels")[0] is None
    True
    """
    check_wrt(wrt)  # a bad wrt fails before any work
    first = channels_first(layout)
    door = backend_for(grad_output, images)
    grad = door.prepare(grad_output, "grad_output", "(m, oh, ow, nc)")
    images = door.prepare(images, "images", "(m, h, w, c)")
    kernels = door.prepare(kernels, "kernels", "(kh, kw, c, nc)")
    grad, images = (to_last(door, a, first, len(door.meta(kernels)[0])) for a in (grad, images))
    plan = conv_plan(
        *door.meta(images), *door.meta(kernels), padding, stride, dilation, pad_mode, pad_value, groups,
        dtype=dtype, grad=door.meta(grad), lazy=door.LAZY,
    )  # fmt: skip
    outs = _conv_outs(out, door, plan, first, {"grad_output": grad, "images": images, "kernels": kernels}, wrt)
    grad_images, grad_kernels = door.correlate_backward(plan, grad, images, kernels, wrt)
    return deliver(outs[0], from_last(door, grad_images, first)), deliver(outs[1], grad_kernels)


def _conv_outs(out: object, door: ModuleType, plan: ConvPlan, first: bool, inputs: dict, wrt: str) -> tuple:
    """``out=`` of :func:`convolve_backward`: ``None`` or a pair, with ``None`` where ``wrt`` asks for nothing."""
    if out is None:
        return None, None
    if not isinstance(out, tuple) or len(out) != 2:
        raise TypeError(f"out must be None or a pair (grad_images, grad_kernels) of arrays or None, got {out!r}")
    if out[0] is not None and wrt == "kernels" or out[1] is not None and wrt == "images":
        raise ValueError(f"out gives an array for a gradient wrt={wrt!r} does not compute: pass None in its place")
    kernels_shape = inputs["kernels"].shape
    return (
        checked_out(out[0], door, plan.images, plan.dtype, first, inputs, "out[0]"),
        checked_out(out[1], door, kernels_shape, plan.dtype, False, inputs, "out[1]"),
    )


# --------------------------------------------------------------------------- pooling


@typed_pool_backward
def pool_backward(
    grad_output: ArrayIn,
    images: ArrayIn,
    kernel_shape: Size,
    stride: Size | None = None,
    mode: str = "max",
    *,
    padding: Padding = "valid",
    count_include_pad: bool = False,
    dtype: DType = None,
    dilation: Size = 1,
    ceil_mode: bool = False,
    p: float | None = None,
    layout: str = "channels_last",
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Gradient of :func:`convpool.pool` with respect to its images.

    Every window passes its ``grad_output`` cell back to the cells it read:

    * ``'max'`` / ``'min'``: all of it to the one cell that won. A tie goes to
      the **first** winner in window order (row-major: top row first, left to
      right), as in PyTorch; a NaN wins over numbers (the forward result is
      NaN), the first NaN if there are several.
    * ``'avg'``: ``grad_output / count`` to every real cell, with the same
      ``count`` the forward pass divided by (the real cells in the window, or
      with ``count_include_pad=True`` its taps inside the padded image:
      ``kh * kw`` unless ``ceil_mode`` cut the window).
    * ``'sum'``: ``grad_output`` to every real cell.
    * ``'lp'``: ``grad_output * s * x ** (p - 1) * out ** (1 - p)`` to every
      real cell ``x`` (``s`` as in :func:`convpool.pool`'s Notes); a window
      whose output is 0 passes none, as in PyTorch.

    Padded cells never receive gradient. Where windows overlap (stride smaller
    than the window) a cell's gradients from all its windows add up.

    Parameters
    ----------
    grad_output : array_like, shape (m, oh, ow, c), or ``(m, *out, c)``
        Gradient of the loss with respect to the pooled output; exactly the
        forward output's shape (``d = len(kernel_shape)`` spatial axes for a
        tuple, as in :func:`convpool.pool`). In ``d`` axes a max's tie goes to
        the first winner in row-major order too (the first slice, then its
        first row).
    images, kernel_shape, stride, mode, padding, count_include_pad, dilation, ceil_mode, p
        Exactly as given to :func:`convpool.pool`.
    dtype : {None, numpy.float32, numpy.float64}, default None
        The floating type the work is done in and returned; ``None``: the
        rules under Returns. Max/min winners are found in the images' own
        dtype, so the gradient goes to the same cell whatever ``dtype``.
    layout : {'channels_last', 'channels_first'}, default 'channels_last'
        Where the batch arrays (grad_output, images and the result) keep their channel axis:
        ``(m, h, w, c)``, or ``(m, c, h, w)`` as PyTorch's NCHW. A channels-first
        batch is read and returned as a view, without a copy.
    out : ndarray, optional
        Write the gradient into this NumPy array, and return it: exactly the result's
        shape (in ``layout``) and dtype, writeable, sharing no memory with any
        input; checked before any work (NumPy calls only).

    Returns
    -------
    ndarray, shape (m, h, w, c), or ``(m, *spatial, c)``
        A new array of ``dtype``; by default the floating type NumPy promotes
        images and grad_output to (float32 stays float32, uint8 images with a
        float32 gradient give float32); integers and bools alone give float64,
        float16 float32.

    Raises
    ------
    TypeError, ValueError
        Whatever :func:`convpool.pool` raises for the same arguments, and a
        ``ValueError`` showing both shapes when ``grad_output`` does not have
        the forward output's shape.

    Notes
    -----
    ``oh = (h + top + bottom - (kh - 1) * dh - 1) // sh + 1``, likewise ``ow``;
    with ``ceil_mode`` rounded up as described in :func:`convpool.pool`.

    Examples
    --------
    >>> import numpy as np
    >>> from convpool import pool_backward
    >>> x = np.array([[1.0, 3.0], [3.0, 2.0]]).reshape(1, 2, 2, 1)
    >>> pool_backward(np.ones((1, 1, 1, 1)), x, 2, 2, mode="max")[0, :, :, 0]
    array([[0., 1.],
           [0., 0.]])
    >>> pool_backward(np.ones((1, 1, 1, 1)), x, 2, 2, mode="avg")[0, :, :, 0]
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    first = channels_first(layout)
    door = backend_for(grad_output, images)
    ndim = pool_ndim(kernel_shape)
    grad = to_last(door, door.prepare(grad_output, "grad_output", "(m, oh, ow, c)"), first, ndim)
    images = to_last(door, door.prepare(images, "images", "(m, h, w, c)"), first, ndim)
    plan = pool_plan(
        *door.meta(images), kernel_shape, stride, mode, padding, count_include_pad, None, dilation, ceil_mode,
        dtype, grad=door.meta(grad), lazy=door.LAZY, p=p,
    )  # fmt: skip
    out = checked_out(out, door, plan.images, plan.dtype, first, {"grad_output": grad, "images": images})
    return deliver(out, from_last(door, door.pool_backward(plan, grad, images), first))
