"""Public shape helpers: output size and per-side padding of a convolution or pooling.

They answer, without computing anything, the question every learner asks:
what size comes out, and how much padding goes on each side?
"""

from __future__ import annotations

from .._plan import checks as check
from .._plan._shapes import AxisGeometry, geometry_nd
from .._plan.transpose_checks import output_sizes
from .._typing import Padding, Size

__all__ = ["AxisGeometry", "conv_geometry", "conv_output_shape", "conv_padding", "conv_transpose_output_shape"]


def _rank(input_shape: Size, kernel_shape: Size) -> int:
    """Spatial axes of a shape question: the length of ``input_shape`` or ``kernel_shape`` (2 for ints)."""
    for value in (input_shape, kernel_shape):
        if isinstance(value, (tuple, list)):
            return len(value)
    return 2


def conv_geometry(
    input_shape: Size, kernel_shape: Size, stride: Size = 1, padding: Padding = "valid", dilation: Size = 1, *,
    ceil_mode: bool = False
) -> tuple[AxisGeometry, ...]:  # fmt: skip
    """Full per-axis geometry (sizes, padding, output), one per spatial axis.

    The number of axes is the length of ``input_shape`` (or of
    ``kernel_shape`` when ``input_shape`` is an int); two when both are ints.

    Parameters
    ----------
    input_shape : int, (h, w) or a tuple of any length (one size per spatial axis)
    kernel_shape : int or a tuple of the same length
    stride, dilation : int or a tuple of the same length, default 1
    padding : as in :func:`convpool.convolve`, default 'valid'
    ceil_mode : bool, default False
        Pooling's ``ceil_mode`` (see :func:`convpool.pool`).

    Returns
    -------
    tuple of AxisGeometry
        Fields ``size, kernel, stride, dilation, before, after, out, overhang``
        (``overhang``: cells of ``after`` that ``ceil_mode`` added past the padding).

    Raises
    ------
    ValueError
        If no window fits (output size below 1), or for bad arguments.
    """
    rank = _rank(input_shape, kernel_shape)
    sizes = check.per_axis(input_shape, "input_shape", rank)
    kernel = check.per_axis(kernel_shape, "kernel_shape", rank)
    strides = check.per_axis(stride, "stride", rank)
    dilations = check.per_axis(dilation, "dilation", rank)
    ceil = check.flag(ceil_mode, "ceil_mode")
    return geometry_nd(check.padding(padding, rank), sizes, kernel, strides, dilations, ceil=ceil)


def conv_output_shape(
    input_shape: Size, kernel_shape: Size, stride: Size = 1, padding: Padding = "valid", dilation: Size = 1, *,
    ceil_mode: bool = False
) -> tuple[int, ...]:  # fmt: skip
    """Output ``(oh, ow)`` of a convolution or pooling; ``(od, oh, ow)`` in 3-D, ``(ol,)`` in 1-D.

    ``out = (in + before + after - (k - 1) * d - 1) // s + 1`` per axis, with
    ``before``/``after`` from :func:`conv_padding`. With ``ceil_mode`` (pooling
    only) the division rounds up, minus one if ``(out - 1) * s >= in + before``.

    Parameters
    ----------
    input_shape : int, (h, w) or a tuple of any length (one size per spatial axis)
        Its length is the number of spatial axes (that of ``kernel_shape``
        when ``input_shape`` is an int; two when both are ints).
    kernel_shape : int or a tuple of the same length
    stride, dilation : int or a tuple of the same length, default 1
    padding : as in :func:`convpool.convolve`, default 'valid'
    ceil_mode : bool, default False
        Pooling's ``ceil_mode`` (see :func:`convpool.pool`).

    Returns
    -------
    tuple of int
        One output size per spatial axis.

    Raises
    ------
    ValueError
        If no window fits (output size below 1), or for bad arguments.

    Examples
    --------
    >>> from convpool import conv_output_shape
    >>> conv_output_shape((28, 28), (3, 3), stride=2, padding="valid")
    (13, 13)
    >>> conv_output_shape((28, 28), 3, stride=2, padding="same")
    (14, 14)
    >>> conv_output_shape((28, 28), 2, stride=3, ceil_mode=True)  # ceil(26 / 3) + 1
    (10, 10)
    >>> conv_output_shape((16, 64, 64), (3, 5, 5), stride=(1, 2, 2), padding="same")  # a volume
    (16, 32, 32)
    >>> conv_output_shape((16000,), 101, stride=4)  # a signal
    (3975,)
    """
    geometry = conv_geometry(input_shape, kernel_shape, stride, padding, dilation, ceil_mode=ceil_mode)
    return tuple(g.out for g in geometry)


def conv_padding(
    input_shape: Size, kernel_shape: Size, stride: Size = 1, padding: Padding = "same", dilation: Size = 1
) -> tuple[tuple[int, int], ...]:
    """Per-side padding ``((top, bottom), (left, right))`` a padding spec resolves to, one pair per axis.

    ``'same'``: total ``P = max((ceil(in / s) - 1) * s + (k - 1) * d + 1 - in, 0)``,
    ``P // 2`` before and the rest after. ``'full'``: ``(k - 1) * d`` per side.

    Parameters
    ----------
    input_shape : int, (h, w) or a tuple of any length (one size per spatial axis)
    kernel_shape : int or a tuple of the same length
    stride, dilation : int or a tuple of the same length, default 1
    padding : as in :func:`convpool.convolve`, default 'same'

    Returns
    -------
    tuple of (before, after) pairs of int
        ``((top, bottom), (left, right))`` in 2-D.

    Examples
    --------
    >>> from convpool import conv_padding
    >>> conv_padding((28, 28), (4, 3))
    ((1, 2), (1, 1))
    >>> conv_padding((8, 28, 28), (2, 4, 3))
    ((0, 1), (1, 2), (1, 1))
    """
    geometry = conv_geometry(input_shape, kernel_shape, stride, padding, dilation)
    return tuple((g.before, g.after) for g in geometry)


def conv_transpose_output_shape(
    input_shape: Size, kernel_shape: Size, stride: Size = 1, padding: Padding = "same", dilation: Size = 1, *,
    output_padding: Size | None = None
) -> tuple[int, ...]:  # fmt: skip
    """Output ``(h, w)`` of :func:`convpool.convolve_transpose` on ``(oh, ow)`` images (any number of axes).

    ``h = (oh - 1) * s + (k - 1) * d + 1 - before - after + output_padding`` per
    axis (PyTorch's ``conv_transpose2d``), ``before``/``after`` the padding of
    the forward convolution; for ``'same'``, ``h = oh * s`` by default and
    ``(oh - 1) * s + 1 + output_padding`` otherwise. Every such ``h`` is a size
    whose convolution has ``oh`` cells (for ``output_padding < s``):
    ``conv_output_shape(h, k, s, padding, d) == oh``.

    Parameters
    ----------
    input_shape : int, (oh, ow) or a tuple of any length (one size per spatial axis)
        The transposed convolution's input: a convolution's output size.
    kernel_shape : int or a tuple of the same length
    stride, dilation : int or a tuple of the same length, default 1
    padding : as in :func:`convpool.convolve`, default 'same'
    output_padding : int or a tuple of the same length, optional
        As in :func:`convpool.convolve_transpose`.

    Returns
    -------
    tuple of int
        One size per spatial axis, ``(h, w)`` in 2-D.

    Raises
    ------
    ValueError
        If the size would be below 1, or ``output_padding`` is out of range.

    Examples
    --------
    >>> from convpool import conv_transpose_output_shape, conv_output_shape
    >>> conv_transpose_output_shape((13, 13), (3, 3), stride=2, padding="valid")
    (27, 27)
    >>> conv_output_shape((27, 27), (3, 3), stride=2, padding="valid")
    (13, 13)
    >>> conv_transpose_output_shape(14, 3, stride=2, padding="same"), conv_transpose_output_shape(
    ...     14, 3, stride=2, padding=1, output_padding=1)
    ((28, 28), (28, 28))
    """
    rank = _rank(input_shape, kernel_shape)
    outs = check.per_axis(input_shape, "input_shape", rank)
    kernel = check.per_axis(kernel_shape, "kernel_shape", rank)
    strides = check.per_axis(stride, "stride", rank)
    dilations = check.per_axis(dilation, "dilation", rank)
    return output_sizes(check.padding(padding, rank), outs, kernel, strides, dilations, output_padding, None)
