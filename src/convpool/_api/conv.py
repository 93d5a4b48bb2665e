"""Convolution (cross-correlation, as in deep learning) and the exercise's six convolution functions.

:func:`convolve` is the general operation; the others are thin adapters that
check their own argument shapes, reshape, and call it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._plan import checks as check
from .._plan.plans import conv_plan
from .._typing import ArrayIn, DType, Padding, Size, typed_conv, typed_conv_options
from .dispatch import backend_for, prepared
from .layout import channels_first, from_last, to_last
from .out import checked_out, deliver

__all__ = [
    "convolve",
    "convolve_channels",
    "convolve_grayscale",
    "convolve_grayscale_padding",
    "convolve_grayscale_same",
    "convolve_grayscale_valid",
]

_IMAGES4 = "(m, h, w, c)"
_IMAGES3 = "(m, h, w)"


def _no_layout(options: dict, name: str) -> None:
    """The exercise's forms are channels-last (their result drops the channel axis): ``layout`` is convolve's."""
    if "layout" in options:
        raise TypeError(f"{name} takes no layout (its images are channels-last); call convolve(..., layout=...)")


@typed_conv
def convolve(
    images: ArrayIn,
    kernels: ArrayIn,
    padding: Padding = "same",
    stride: Size = 1,
    *,
    dilation: Size = 1,
    pad_mode: str = "constant",
    pad_value: float = 0,
    method: str = "auto",
    threads: int | None = None,
    dtype: DType = None,
    groups: int = 1,
    layout: str = "channels_last",
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Convolve a batch of multi-channel images (or signals, or volumes) with several kernels.

    Cross-correlation, as in deep-learning libraries (the kernel is not flipped)::

        out[n, i, j, o] = sum_{a, b, k} xp[n, i*sh + a*dh, j*sw + b*dw, k] * kernels[a, b, k, o]

    where ``xp`` is ``images`` padded as ``padding`` and ``pad_mode`` say. With
    ``groups = G`` (as PyTorch's ``conv2d(groups=)``), output ``o`` reads only the
    ``cg = c // G`` channels of its group ``g = o // (nc // G)``::

        out[n, i, j, o] = sum_{a, b, k < cg} xp[n, i*sh + a*dh, j*sw + b*dw, g*cg + k] * kernels[a, b, k, o]

    **Signals and volumes.** The number of spatial axes is ``d = kernels.ndim - 2``:
    kernels ``(k, c // groups, nc)`` convolve signals ``(m, l, c)`` (PyTorch's
    ``conv1d``), kernels ``(kd, kh, kw, c // groups, nc)`` volumes ``(m, d, h, w, c)``
    (``conv3d``), and so on for any ``d``; the formula above gains or loses
    one index per axis. ``stride`` and ``dilation`` are then an int or ``d``
    ints, ``padding`` a word, an int, ``d`` ints or ``d`` ``(before, after)``
    pairs (``((2, 1),)`` for one axis); the result is ``(m, *out, nc)``.

    Parameters
    ----------
    images : array_like, shape (m, h, w, c), or ``(m, *spatial, c)`` with d spatial axes
        ``m`` images of ``h`` x ``w`` pixels and ``c`` channels. Any real dtype.
    kernels : array_like, shape (kh, kw, c // groups, nc), or ``(*k, c // groups, nc)`` with d spatial axes
        ``nc`` kernels of ``kh`` x ``kw`` taps over the ``c`` channels (over
        their group's ``c // groups`` channels when ``groups > 1``). Their
        number of axes sets ``d``.
    padding : {'same', 'valid', 'full'}, int, (ph, pw) or ((top, bottom), (left, right))
        ``'valid'``: none. ``'same'``: enough for ``ceil(h / sh)`` x ``ceil(w / sw)``
        outputs, the odd cell at the bottom/right. ``'full'``: ``(k - 1) * d`` on
        every side. ``(ph, pw)``: ``ph`` rows on top and bottom, ``pw`` columns left
        and right.
    stride : int or (sh, sw), default 1
        Step between windows, each ``>= 1`` (``d`` ints for ``d`` axes).
    dilation : int or (dh, dw), default 1
        Step between kernel taps, each ``>= 1`` (``d`` ints for ``d`` axes).
    pad_mode : {'constant', 'edge', 'reflect', 'symmetric', 'wrap'}
        How padded cells are filled, as in :func:`numpy.pad`. For a row
        ``a b c d``, two cells of padding on the left read: constant ``v v``,
        edge ``a a``, reflect ``c b`` (edge not repeated), symmetric ``b a``
        (edge repeated), wrap ``c d``.
    pad_value : float, default 0
        The fill of ``pad_mode='constant'``.
    method : {'auto', 'direct', 'gemm', 'fft', 'measure'}, default 'auto'
        How to compute; every method gives the same result up to rounding.
        ``'direct'``: a multiply-add per non-zero kernel tap (rank-1 kernels as
        two 1-D passes), best for small kernels and few channels. ``'gemm'``:
        per-block im2col and one matrix product, best when ``c * nc`` is large.
        ``'fft'``: products of 2-D spectra, best for large kernels (its
        rounding error grows with the image's dynamic range). ``'auto'`` picks
        by a cost model fitted on one machine; as SciPy says of
        ``choose_conv_method``, it is usually right but not always: on this
        project's calibration grid and benchmarks its pick is within 10 % of
        the fastest method in most cases (``docs/performance.md`` gives the
        count). ``'measure'`` times the methods once, on the first call of
        each plan (shapes, geometry, padding, dtypes, threads) in this process,
        and remembers the fastest: that first call costs about the three
        methods' time, later ones run the winner (a timing on a busy machine
        may pick a slower method).
    threads : int, optional
        Threads working on batch blocks at once. Default: the environment
        variable ``CONVPOOL_NUM_THREADS``, else the number of usable cores.
        With ``threadpoolctl`` installed (the ``threads`` extra), NumPy's BLAS
        is held to the same count during the call (calls from the main thread).
        The result does not depend on it.
    dtype : {None, numpy.float32, numpy.float64}, default None
        The floating type the work is done in and returned. ``None``: the
        rules under Returns. ``float32`` halves the memory traffic of integer
        images (uint8 photos): they are converted block by block, never as a
        whole-batch copy; sums of 8-bit pixels stay exact up to 2**24 / 255
        taps.
    groups : int, default 1
        Split channels and kernels into this many groups, each convolved on its
        own; it must divide ``c`` and ``nc``. ``groups == c`` with kernels
        ``(kh, kw, 1, nc)`` is depthwise convolution (``nc = k * c``: a channel
        multiplier ``k``, output ``o`` reading channel ``o // k``).
    layout : {'channels_last', 'channels_first'}, default 'channels_last'
        Where the batch arrays (images and the result) keep their channel axis:
        ``(m, h, w, c)``, or ``(m, c, h, w)`` as PyTorch's NCHW. A channels-first
        batch is read and returned as a view, without a copy; kernels keep ``(kh, kw, c, nc)``.
    out : ndarray, optional
        Write the result into this NumPy array, and return it: exactly the result's
        shape (in ``layout``) and dtype, writeable, sharing no memory with any
        input; checked before any work (NumPy calls only).

    Returns
    -------
    ndarray, shape (m, oh, ow, nc), or ``(m, *out, nc)``
        A new array (the ``out`` given, if one is) of ``dtype``; by default the widest floating dtype among
        images and kernels (float32 stays float32, even with an integer
        kernel); float64 when both are integer or bool (sums never wrap);
        float32 for float16.

    Raises
    ------
    TypeError
        Non-numeric arrays; non-integer stride, dilation or padding; a
        ``dtype`` that is not a dtype.
    ValueError
        Wrong number of dimensions (images and kernels with different numbers
        of spatial axes: the message names both), channel mismatch, ``groups`` not dividing
        ``c`` and ``nc`` (or kernels not ``(kh, kw, c // groups, nc)``), empty kernels, unknown
        padding word or pad_mode, stride or dilation below 1, negative padding,
        a dilated kernel larger than the padded image, or a ``dtype`` other
        than float32 and float64.

    Notes
    -----
    Along each axis ``out = (in + before + after - (k - 1) * d - 1) // s + 1``
    (see :func:`convpool.conv_output_shape`). Memory beyond the output is
    bounded: the batch is processed in blocks of a few MiB (volumes in bands
    of slices too). Signals run on the 2-D engine as images one row high;
    volumes as the sum over the ``kd`` depth taps of 2-D convolutions of the
    slices each tap reads (see ``docs/volumes.md``).

    Examples
    --------
    >>> import numpy as np
    >>> from convpool import convolve
    >>> images = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> kernels = np.ones((2, 2, 1, 1))
    >>> convolve(images, kernels, padding="valid", stride=2)[0, :, :, 0]
    array([[10., 18.],
           [42., 50.]])
    >>> two = np.stack([np.ones((3, 3)), 2 * np.ones((3, 3))], axis=-1)[None]  # channels of 1s and 2s
    >>> convolve(two, np.ones((1, 1, 1, 4)), padding="valid", groups=2)[0, 0, 0]  # depthwise, 2 per channel
    array([1., 1., 2., 2.])
    >>> convolve(np.arange(6.0).reshape(1, 6, 1), np.ones((3, 1, 1)), "valid")[0, :, 0]  # a signal
    array([ 3.,  6.,  9., 12.])
    >>> convolve(np.ones((2, 8, 16, 16, 1)), np.ones((3, 3, 3, 1, 4)), "same", (1, 2, 2)).shape  # volumes
    (2, 8, 8, 8, 4)
    """
    first = channels_first(layout)
    door = backend_for(images)
    images = door.prepare(images, "images", _IMAGES4)
    kernels = door.prepare(kernels, "kernels", "(kh, kw, c, nc)")
    images = to_last(door, images, first, len(door.meta(kernels)[0]))
    plan = conv_plan(
        *door.meta(images), *door.meta(kernels), padding, stride, dilation, pad_mode, pad_value, groups,
        method, threads, dtype, lazy=door.LAZY,
    )  # fmt: skip
    out = checked_out(out, door, plan.out, plan.dtype, first, {"images": images, "kernels": kernels})
    return deliver(out, from_last(door, door.correlate(plan, images, kernels), first))


@typed_conv_options
def convolve_channels(
    images: ArrayIn, kernel: ArrayIn, padding: Padding = "same", stride: Size = (1, 1), *, dtype: DType = None,
    **options: Any,
) -> np.ndarray:  # fmt: skip
    """Convolve multi-channel images with one kernel, summing over channels.

    ``out[n, i, j] = sum_{a, b, k} xp[n, i*sh + a*dh, j*sw + b*dw, k] * kernel[a, b, k]``

    Parameters
    ----------
    images : array_like, shape (m, h, w, c)
    kernel : array_like, shape (kh, kw, c)
    padding, stride
        As in :func:`convolve`.
    dtype : {None, numpy.float32, numpy.float64}, default None
        The floating type of the work and the result, as in :func:`convolve`.
    **options
        ``dilation``, ``pad_mode``, ``pad_value``, ``method``, ``threads`` as in :func:`convolve`.

    Returns
    -------
    ndarray, shape (m, oh, ow)

    Examples
    --------
    >>> import numpy as np
    >>> from convpool import convolve_channels
    >>> convolve_channels(np.ones((2, 5, 5, 3)), np.ones((3, 3, 3)), padding="valid").shape
    (2, 3, 3)
    """
    _no_layout(options, "convolve_channels")
    door = backend_for(images)
    images, images_shape, kernel, kernel_shape = prepared(
        door, (images, "images", 4, _IMAGES4), (kernel, "kernel", 3, "(kh, kw, c)")
    )
    check.nonempty(kernel_shape, "kernel", "kh, kw, c", (0, 1, 2))
    check.channels_match(images_shape[3], kernel_shape[2], images_shape, kernel_shape, "kernel")
    return convolve(images, door.add_axis(kernel), padding, stride, dtype=dtype, **options)[..., 0]


@typed_conv_options
def convolve_grayscale(
    images: ArrayIn, kernel: ArrayIn, padding: Padding = "same", stride: Size = (1, 1), *, dtype: DType = None,
    **options: Any,
) -> np.ndarray:  # fmt: skip
    """Convolve grayscale images with one kernel.

    ``out[n, i, j] = sum_{a, b} xp[n, i*sh + a*dh, j*sw + b*dw] * kernel[a, b]``

    Parameters
    ----------
    images : array_like, shape (m, h, w)
    kernel : array_like, shape (kh, kw)
    padding, stride
        As in :func:`convolve`: ``'same'``, ``'valid'``, ``'full'``, ``(ph, pw)``, ...
    dtype : {None, numpy.float32, numpy.float64}, default None
        The floating type of the work and the result, as in :func:`convolve`.
    **options
        ``dilation``, ``pad_mode``, ``pad_value``, ``method``, ``threads`` as in :func:`convolve`.

    Returns
    -------
    ndarray, shape (m, oh, ow)
        ``oh = (h + top + bottom - (kh - 1) * dh - 1) // sh + 1``, likewise ``ow``.

    Examples
    --------
    >>> import numpy as np
    >>> from convpool import convolve_grayscale
    >>> convolve_grayscale(np.ones((1, 28, 28)), np.ones((3, 3)), padding="valid", stride=(2, 2)).shape
    (1, 13, 13)
    """
    _no_layout(options, "convolve_grayscale")
    door = backend_for(images)
    images, images_shape, kernel, kernel_shape = prepared(
        door, (images, "images", 3, _IMAGES3), (kernel, "kernel", 2, "(kh, kw)")
    )
    check.nonempty(images_shape, "images", "h, w", (1, 2))
    check.nonempty(kernel_shape, "kernel", "kh, kw", (0, 1))
    kernels = door.add_axis(door.add_axis(kernel))
    return convolve(door.add_axis(images), kernels, padding, stride, dtype=dtype, **options)[..., 0]


@typed_conv
def convolve_grayscale_valid(images: ArrayIn, kernel: ArrayIn) -> np.ndarray:
    """Valid convolution of grayscale images: no padding.

    Parameters
    ----------
    images : array_like, shape (m, h, w)
    kernel : array_like, shape (kh, kw)

    Returns
    -------
    ndarray, shape (m, h - kh + 1, w - kw + 1)

    Examples
    --------
    >>> import numpy as np
    >>> from convpool import convolve_grayscale_valid
    >>> convolve_grayscale_valid(np.ones((2, 28, 28)), np.ones((3, 3))).shape
    (2, 26, 26)
    """
    return convolve_grayscale(images, kernel, padding="valid")


@typed_conv
def convolve_grayscale_same(images: ArrayIn, kernel: ArrayIn) -> np.ndarray:
    """Same convolution of grayscale images: zero padding keeps ``h`` x ``w``.

    The total padding ``k - 1`` per axis is split ``(k - 1) // 2`` before and
    the rest after, so an even kernel puts its extra row/column at the
    bottom/right.

    Parameters
    ----------
    images : array_like, shape (m, h, w)
    kernel : array_like, shape (kh, kw)

    Returns
    -------
    ndarray, shape (m, h, w)

    Examples
    --------
    >>> import numpy as np
    >>> from convpool import convolve_grayscale_same
    >>> convolve_grayscale_same(np.ones((2, 28, 28)), np.ones((4, 3))).shape
    (2, 28, 28)
    """
    return convolve_grayscale(images, kernel, padding="same")


@typed_conv
def convolve_grayscale_padding(images: ArrayIn, kernel: ArrayIn, padding: Padding) -> np.ndarray:
    """Convolution of grayscale images with explicit zero padding.

    Parameters
    ----------
    images : array_like, shape (m, h, w)
    kernel : array_like, shape (kh, kw)
    padding : (ph, pw)
        ``ph`` zero rows above and below, ``pw`` zero columns left and right
        (any padding :func:`convolve` accepts also works).

    Returns
    -------
    ndarray, shape (m, h + 2 * ph - kh + 1, w + 2 * pw - kw + 1)

    Examples
    --------
    >>> import numpy as np
    >>> from convpool import convolve_grayscale_padding
    >>> convolve_grayscale_padding(np.ones((2, 28, 28)), np.ones((3, 3)), (2, 4)).shape
    (2, 30, 34)
    """
    return convolve_grayscale(images, kernel, padding=padding)
