"""Public shape helpers: output size and per-side padding of a convolution or pooling.

They answer, without computing anything, the question every learner asks:
what size comes out, and how much padding goes on each side?
"""

from __future__ import annotations

from .._plan import checks as check
from .._plan._shapes import AxisGeometry, geometry_2d
from .._plan.transpose_checks import output_sizes
from .._typing import Padding, Size

__all__ = ["AxisGeometry", "conv_geometry", "conv_output_shape", "conv_padding", "conv_transpose_output_shape"]


def conv_geometry(
    input_shape: Size, kernel_shape: Size, stride: Size = 1, padding: Padding = "valid", dilation: Size = 1, *,
    ceil_mode: bool = False
) -> tuple[AxisGeometry, AxisGeometry]:  # fmt: skip
    """Full per-axis geometry (sizes, padding, output) for height and width.

    Parameters
    ----------
    input_shape : int or (h, w)
    kernel_shape : int or (kh, kw)
    stride, dilation : int or pair, default 1
    padding : as in :func:`convpool.convolve`, default 'valid'
    ceil_mode : bool, default False
        Pooling's ``ceil_mode`` (see :func:`convpool.pool`).

    Returns
    -------
    (AxisGeometry, AxisGeometry)
        Fields ``size, kernel, stride, dilation, before, after, out, overhang``
        (``overhang``: cells of ``after`` that ``ceil_mode`` added past the padding).

    Raises
    ------
    ValueError
        If no window fits (output size below 1), or for bad arguments.
    """
    sizes = check.int_pair(input_shape, "input_shape")
    kernel = check.int_pair(kernel_shape, "kernel_shape")
    strides = check.int_pair(stride, "stride")
    dilations = check.int_pair(dilation, "dilation")
    ceil = check.flag(ceil_mode, "ceil_mode")
    return geometry_2d(check.padding(padding), sizes, kernel, strides, dilations, ceil=ceil)


def conv_output_shape(
    input_shape: Size, kernel_shape: Size, stride: Size = 1, padding: Padding = "valid", dilation: Size = 1, *,
    ceil_mode: bool = False
) -> tuple[int, int]:  # fmt: skip
    """Output ``(oh, ow)`` of a convolution or pooling.

    ``out = (in + before + after - (k - 1) * d - 1) // s + 1`` per axis, with
    ``before``/``after`` from :func:`conv_padding`. With ``ceil_mode`` (pooling
    only) the division rounds up, minus one if ``(out - 1) * s >= in + before``.

    Parameters
    ----------
    input_shape : int or (h, w)
    kernel_shape : int or (kh, kw)
    stride, dilation : int or pair, default 1
    padding : as in :func:`convpool.convolve`, default 'valid'
    ceil_mode : bool, default False
        Pooling's ``ceil_mode`` (see :func:`convpool.pool`).

    Returns
    -------
    (oh, ow) : tuple of int

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
    """
    gh, gw = conv_geometry(input_shape, kernel_shape, stride, padding, dilation, ceil_mode=ceil_mode)
    return gh.out, gw.out


def conv_padding(
    input_shape: Size, kernel_shape: Size, stride: Size = 1, padding: Padding = "same", dilation: Size = 1
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Per-side padding ``((top, bottom), (left, right))`` a padding spec resolves to.

    ``'same'``: total ``P = max((ceil(in / s) - 1) * s + (k - 1) * d + 1 - in, 0)``,
    ``P // 2`` before and the rest after. ``'full'``: ``(k - 1) * d`` per side.

    Parameters
    ----------
    input_shape : int or (h, w)
    kernel_shape : int or (kh, kw)
    stride, dilation : int or pair, default 1
    padding : as in :func:`convpool.convolve`, default 'same'

    Returns
    -------
    ((top, bottom), (left, right)) : tuple of pairs of int

    Examples
    --------
    >>> from convpool import conv_padding
    >>> conv_padding((28, 28), (4, 3))
    ((1, 2), (1, 1))
    """
    gh, gw = conv_geometry(input_shape, kernel_shape, stride, padding, dilation)
    return (gh.before, gh.after), (gw.before, gw.after)


def conv_transpose_output_shape(
    input_shape: Size, kernel_shape: Size, stride: Size = 1, padding: Padding = "same", dilation: Size = 1, *,
    output_padding: Size | None = None
) -> tuple[int, int]:  # fmt: skip
    """Output ``(h, w)`` of :func:`convpool.convolve_transpose` on ``(oh, ow)`` images.

    ``h = (oh - 1) * s + (k - 1) * d + 1 - before - after + output_padding`` per
    axis (PyTorch's ``conv_transpose2d``), ``before``/``after`` the padding of
    the forward convolution; for ``'same'``, ``h = oh * s`` by default and
    ``(oh - 1) * s + 1 + output_padding`` otherwise. Every such ``h`` is a size
    whose convolution has ``oh`` cells (for ``output_padding < s``):
    ``conv_output_shape(h, k, s, padding, d) == oh``.

    Parameters
    ----------
    input_shape : int or (oh, ow)
        The transposed convolution's input: a convolution's output size.
    kernel_shape : int or (kh, kw)
    stride, dilation : int or pair, default 1
    padding : as in :func:`convpool.convolve`, default 'same'
    output_padding : int or pair, optional
        As in :func:`convpool.convolve_transpose`.

    Returns
    -------
    (h, w) : tuple of int

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
    outs = check.int_pair(input_shape, "input_shape")
    kernel = check.int_pair(kernel_shape, "kernel_shape")
    strides = check.int_pair(stride, "stride")
    dilations = check.int_pair(dilation, "dilation")
    return output_sizes(check.padding(padding), outs, kernel, strides, dilations, output_padding, None)
