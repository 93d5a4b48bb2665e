"""``kernels.apply``: one kernel over every channel of a batch, the way an image filter is used.

Kept apart from the bank (:mod:`convpool.kernels`, which re-exports it): the bank builds kernels, this
runs one as a depthwise convolution (``groups=c``) on any rank of images.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._api import conv
from ._api.dispatch import backend_for
from ._plan import checks as check
from ._typing import ArrayIn, Padding, Size, typed_conv_options


@typed_conv_options
def apply(images: ArrayIn, kernel: ArrayIn, padding: Padding = "same", stride: Size = 1, **options: Any) -> np.ndarray:
    """Filter every channel of a batch with the same kernel (what an image filter does).

    ``out[n, i, j, k] = sum_{a, b} xp[n, i*sh + a*dh, j*sw + b*dw, k] * kernel[a, b]``;
    likewise for volumes and signals, with a kernel of as many axes as the images have spatial axes.

    Parameters
    ----------
    images : array_like, shape (m, h, w, c), or (m, d, h, w, c) for volumes, (m, l, c) for signals
    kernel : array_like, shape (kh, kw), or (kd, kh, kw), (k,)
    padding, stride, **options
        As in :func:`convpool.convolve` (``dilation``, ``pad_mode``, ``pad_value``).

    Returns
    -------
    ndarray, shape (m, oh, ow, c) (``(m, *out, c)``)

    Notes
    -----
    This is :func:`convpool.convolve` with the kernel on every channel,
    ``(kh, kw, 1, c)``, and ``groups=c`` (depthwise): the work of ``c``
    grayscale filters, not of a ``c x c`` kernel bank.
    A ``dask.array.Array`` of images gives a lazy result, channel chunks kept
    (see ``docs/dask.md``).

    Examples
    --------
    >>> import numpy as np
    >>> from convpool.kernels import box, identity
    >>> x = np.arange(8.0).reshape(1, 2, 2, 2)
    >>> np.array_equal(apply(x, identity()), x)
    True
    >>> apply(np.ones((1, 4, 4, 4, 1)), box(3, ndim=3), padding="valid")[0, ..., 0]
    array([[[1., 1.],
            [1., 1.]],
    <BLANKLINE>
           [[1., 1.],
            [1., 1.]]])
    """
    door = backend_for(images)
    images, kernel = door.prepare(images, "images", "(m, h, w, c)"), door.prepare(kernel, "kernel", "(kh, kw)")
    shape, kernel_shape = door.meta(images)[0], door.meta(kernel)[0]
    check.filter_rank(*door.meta(images), *door.meta(kernel))
    bank = door.broadcast(door.add_axis(door.add_axis(kernel)), (*kernel_shape, 1, shape[-1]))
    return conv.convolve(images, bank, padding, stride, groups=shape[-1], **options)
