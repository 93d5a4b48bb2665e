"""Extents NumPy can index: no padded image, window or stride a backend strides over reaches 2**62 bytes.

Each size, stride, dilation and padding is below 2**62 on its own
(:data:`convpool._plan.checks.COUNT_LIMIT`), and the output is checked against
memory (:func:`convpool._plan.checks.fits`); but a backend also pads the
images, views them through windows and steps by the stride, and those extents
are products: a window of 2**61 taps with ``'same'`` padding pads a 4x4 image
to 2**61 rows, and a stride of 2**61 over a 4x4 image, one output, has a
strided view step 2**61 rows at once, past what NumPy's ``intp`` byte offsets
hold. Checked from the plan's geometry, before any work; such a stride is cut
to the padded axis first (the same single window).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._shapes import AxisGeometry, axis_name
from .checks import COUNT_LIMIT


def one_window_strides(geometry: Sequence[AxisGeometry]) -> tuple[AxisGeometry, ...]:
    """The geometry with each stride past a padded axis that has one output cut to that axis's length.

    Any stride from the padded length on gives the one window at the start (with ``ceil_mode`` too), so
    the result is the same; a backend that steps by the stride then steps within the padded image, not
    2**61 rows past it.
    """
    return tuple(g._replace(stride=g.padded) if g.out == 1 and g.stride > g.padded else g for g in geometry)


def addressable(geometry: Sequence[AxisGeometry], channels: int, itemsize: int, images, window: str, padding) -> None:
    """``ValueError`` unless each axis's window and padded extent, times the values per step, fits.

    Per spatial axis, from the last (the values one step along an axis skips
    are the channels times the padded extents of the axes after it): the
    window's span (``extent``) and the padded axis (``before + size +
    after``), each times those values and ``itemsize``, must stay below 2**62
    bytes; so does one stride, which is at most the padded axis once
    :func:`one_window_strides` has cut it. The message names the argument as
    given: ``window`` says what sets the window (e.g. ``"dilation=4"``),
    ``padding`` is the value passed, ``images`` the images' shape.
    """
    names = {"window": window, "padding": f"padding={padding!r}"}
    limit = COUNT_LIMIT // itemsize
    inner = channels
    rank = len(geometry)
    for axis in reversed(range(rank)):
        g = geometry[axis]
        for key, what, cells in (("window", "a window", g.extent), ("padding", "the padded image", g.padded)):
            if cells * inner >= limit:
                raise ValueError(
                    f"{names[key]} with images of shape {tuple(images)}: {what} would span {cells} cells along "
                    f"the {axis_name(axis, rank)}, {cells * inner * itemsize} bytes with the axes after it, "
                    f"more than NumPy can index (2**62 bytes)"
                )
        inner *= g.padded


def widest(*dtypes) -> int:
    """The largest itemsize among ``dtypes``: the bytes per value of the widest array a backend may index."""
    return max(np.dtype(d).itemsize for d in dtypes)
