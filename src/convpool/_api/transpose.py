"""Transposed convolution: the adjoint of :func:`convpool.convolve`, for decoders and autoencoders.

:func:`convolve_transpose` maps a convolution's output shape ``(m, oh, ow, nc)``
back to an input shape ``(m, h, w, c)`` with the same kernels array; it is
the input gradient of the forward convolution (the engine's
:func:`~convpool._backends.numpy.conv_grad.images_grad`), and its own backward pass is a
forward convolution plus a kernel gradient.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import SupportsIndex

import numpy as np

from .._plan.transpose_checks import transpose_plan
from .._typing import ArrayIn, DType, Padding, Size, typed_conv, typed_transpose_backward
from .dispatch import backend_for
from .layout import channels_first, from_last, to_last

__all__ = ["convolve_transpose", "convolve_transpose_backward"]


@typed_conv
def convolve_transpose(
    images: ArrayIn,
    kernels: ArrayIn,
    padding: Padding = "same",
    stride: Size = 1,
    *,
    dilation: Size = 1,
    output_padding: Size | None = None,
    output_shape: Sequence[SupportsIndex] | None = None,
    groups: int = 1,
    dtype: DType = None,
    layout: str = "channels_last",
) -> np.ndarray:
    """Transposed convolution: the adjoint of :func:`convolve` with the same kernels.

    Every input cell spreads its value over the window it would have come
    from in the forward convolution, and overlapping windows add up::

        out_p[n, i*sh + a*dh, j*sw + b*dw, k] += images[n, i, j, o] * kernels[a, b, k, o]

    for every ``(i, j)``, tap ``(a, b)``, input channel ``k`` and output ``o``;
    the result is ``out_p`` without the ``padding`` cells (top and left first).
    With ``groups = G`` output ``o`` reaches only the channels ``k = g*cg + k'``
    of its group ``g = o // (nc // G)``, as in :func:`convolve`. This is
    PyTorch's ``conv_transpose2d`` and Keras' ``Conv2DTranspose`` (called
    "deconvolution" too, though it inverts nothing), and the input gradient of
    :func:`convolve`: ``<convolve(x, k), y> == <x, convolve_transpose(y, k)>``.

    Parameters
    ----------
    images : array_like, shape (m, oh, ow, nc), or ``(m, *out, nc)``
        ``m`` images of ``nc`` channels: the shape of a convolution's output.
        Signals and volumes as in :func:`convolve`: ``d = kernels.ndim - 2``
        spatial axes (PyTorch's ``conv_transpose1d`` and ``conv_transpose3d``).
    kernels : array_like, shape (kh, kw, c // groups, nc), or ``(*k, c // groups, nc)``
        The kernels of the forward convolution, exactly as :func:`convolve`
        takes them (PyTorch's ``conv_transpose2d`` weight ``(nc, c // groups, kh, kw)``
        is ``kernels.transpose(3, 2, 0, 1)``).
    padding : {'same', 'valid', 'full'}, int, (ph, pw) or ((top, bottom), (left, right))
        The forward convolution's padding, which the result leaves out.
        ``'valid'`` is PyTorch's ``padding=0``; an int ``p`` its ``padding=p``.
        ``'same'``: by default ``h = oh * sh`` (Keras' and TensorFlow's
        ``'same'``); the padding is that of a ``'same'`` convolution of ``h``.
    stride : int or (sh, sw), default 1
        The forward convolution's stride: the result is about ``stride`` times larger.
    dilation : int or (dh, dw), default 1
        The forward convolution's dilation.
    output_padding : int or (eh, ew) (d ints for d axes), optional
        Extra cells at the bottom/right, picking one of the sizes whose
        convolution has ``oh`` cells: ``h = h0 + eh`` with ``0 <= eh <
        max(sh, dh)`` (``< sh`` for ``'same'``), ``h0`` the smallest such size
        (see Notes). Default: ``h0``, or ``oh * sh`` for ``'same'``.
    output_shape : (h, w) (d ints for d axes), optional
        The size wanted instead of ``output_padding`` (give one of the two).
    groups : int, default 1
        As in :func:`convolve`; it must divide ``nc``. ``c = kernels.shape[2] * groups``.
    dtype : {None, numpy.float32, numpy.float64}, default None
        The floating type of the work and the result, as in :func:`convolve`.
    layout : {'channels_last', 'channels_first'}, default 'channels_last'
        Where the batch arrays (images and the result) keep their channel axis:
        ``(m, h, w, c)``, or ``(m, c, h, w)`` as PyTorch's NCHW. A channels-first
        batch is read and returned as a view, without a copy; kernels keep ``(kh, kw, c, nc)``.

    Returns
    -------
    ndarray, shape (m, h, w, c), or ``(m, *spatial, c)``
        A new array; float32 stays float32, integers give float64.

    Raises
    ------
    TypeError
        Non-numeric arrays; non-integer stride, dilation, padding or sizes.
    ValueError
        Wrong number of dimensions, kernels whose ``nc`` is not the images'
        channels, ``groups`` not dividing ``nc``, an ``output_padding`` or
        ``output_shape`` out of range, both of them given, or a result smaller
        than one cell.

    Notes
    -----
    Per axis, ``h0 = (oh - 1) * s + (k - 1) * d + 1 - before - after`` (PyTorch's
    formula with ``output_padding = 0``; ``'full'`` pads ``(k - 1) * d`` on each
    side, ``'valid'`` none) and ``h0 = (oh - 1) * s + 1`` for ``'same'``.
    Keras' ``'valid'`` instead gives ``oh * s + max(extent - s, 0)``, which
    is ``h0 + max(s - extent, 0)``: pass ``output_padding`` for it. From
    ``output_padding = s`` on (possible when ``d > s``), the forward convolution
    of ``h`` cells would have more than ``oh`` outputs, and the result is the
    adjoint of its first ``oh``. Cells no window reaches are zero.

    Examples
    --------
    >>> import numpy as np
    >>> from convpool import convolve_transpose
    >>> y = np.array([[1.0, 2.0]]).reshape(1, 1, 2, 1)
    >>> convolve_transpose(y, np.ones((1, 3, 1, 1)), padding="valid", stride=2)[0, :, :, 0]
    array([[1., 1., 3., 2., 2.]])
    >>> convolve_transpose(np.ones((1, 4, 4, 8)), np.ones((3, 3, 3, 8)), stride=2).shape  # 'same': 2x larger
    (1, 8, 8, 3)
    """
    first = channels_first(layout)
    door = backend_for(images)
    images = door.prepare(images, "images", "(m, oh, ow, nc)")
    kernels = door.prepare(kernels, "kernels", "(kh, kw, c // groups, nc)")
    images = to_last(door, images, first, len(door.meta(kernels)[0]))
    plan = transpose_plan(
        *door.meta(images), *door.meta(kernels), padding, stride, dilation, output_padding, output_shape, groups,
        dtype, lazy=door.LAZY,
    )  # fmt: skip
    return from_last(door, door.transpose(plan, images, kernels), first)


@typed_transpose_backward
def convolve_transpose_backward(
    grad_output: ArrayIn,
    images: ArrayIn,
    kernels: ArrayIn,
    padding: Padding = "same",
    stride: Size = 1,
    *,
    dilation: Size = 1,
    output_padding: Size | None = None,
    output_shape: Sequence[SupportsIndex] | None = None,
    groups: int = 1,
    dtype: DType = None,
    layout: str = "channels_last",
) -> tuple[np.ndarray, np.ndarray]:
    """Gradients of :func:`convolve_transpose` with respect to its images and kernels.

    For ``out = convolve_transpose(images, kernels, ...)`` and ``g = dL/dout``
    (``g_p``: ``g`` with the forward ``padding`` put back as zeros)::

        grad_images[n, i, j, o] = sum_{a, b, k} g_p[n, i*sh + a*dh, j*sw + b*dw, k] * kernels[a, b, k, o]
        grad_kernels[a, b, k, o] = sum_{n, i, j} g_p[n, i*sh + a*dh, j*sw + b*dw, k] * images[n, i, j, o]

    so ``grad_images`` is ``convolve(g, kernels, padding, stride, ...)``: the
    transpose of the transpose is the convolution.

    Parameters
    ----------
    grad_output : array_like, shape (m, h, w, c), or ``(m, *spatial, c)``
        Exactly the shape of :func:`convolve_transpose`'s result.
    images, kernels, padding, stride, dilation, output_padding, output_shape, groups
        Exactly as given to :func:`convolve_transpose`.
    dtype : {None, numpy.float32, numpy.float64}, default None
        As in :func:`convpool.convolve_backward`.
    layout : {'channels_last', 'channels_first'}, default 'channels_last'
        Where the batch arrays (grad_output, images and grad_images) keep their channel axis:
        ``(m, h, w, c)``, or ``(m, c, h, w)`` as PyTorch's NCHW. A channels-first
        batch is read and returned as a view, without a copy; kernels keep ``(kh, kw, c, nc)``.

    Returns
    -------
    grad_images : ndarray, shape (m, oh, ow, nc)
    grad_kernels : ndarray, shape (kh, kw, c // groups, nc)

    Raises
    ------
    TypeError, ValueError
        Whatever :func:`convolve_transpose` raises for the same arguments, and
        a ``ValueError`` showing both shapes when ``grad_output`` does not have
        its result's shape.

    Examples
    --------
    >>> import numpy as np
    >>> from convpool import convolve_transpose_backward
    >>> y = np.array([[1.0, 2.0]]).reshape(1, 1, 2, 1)
    >>> g = np.arange(5.0).reshape(1, 1, 5, 1)  # dL/dout for out = [[1, 1, 3, 2, 2]]
    >>> gy, gk = convolve_transpose_backward(g, y, np.ones((1, 3, 1, 1)), padding="valid", stride=2)
    >>> gy[0, :, :, 0]  # 0 + 1 + 2, 2 + 3 + 4
    array([[3., 9.]])
    >>> gk[:, :, 0, 0]  # 1 * (0, 1, 2) + 2 * (2, 3, 4)
    array([[ 4.,  7., 10.]])
    """
    first = channels_first(layout)
    door = backend_for(grad_output, images)
    grad = door.prepare(grad_output, "grad_output", "(m, h, w, c)")
    images = door.prepare(images, "images", "(m, oh, ow, nc)")
    kernels = door.prepare(kernels, "kernels", "(kh, kw, c // groups, nc)")
    grad, images = (to_last(door, a, first, len(door.meta(kernels)[0])) for a in (grad, images))
    plan = transpose_plan(
        *door.meta(images), *door.meta(kernels), padding, stride, dilation, output_padding, output_shape, groups,
        dtype, grad=door.meta(grad), lazy=door.LAZY,
    )  # fmt: skip
    grad_images, grad_kernels = door.transpose_backward(plan, grad, images, kernels)
    return from_last(door, grad_images, first), grad_kernels
