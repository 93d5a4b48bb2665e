"""``layout=``: where a batch keeps its channel axis, and the views that move it.

Every public array function takes ``layout='channels_last'`` (convpool's own
``(m, h, w, c)``, TensorFlow's NHWC) or ``'channels_first'`` (``(m, c, h, w)``,
PyTorch's NCHW). A channels-first batch is viewed channels-last on the way in
and the result viewed channels-first on the way out, by each door's own
permutation (a NumPy or PyTorch view, a lazy Dask transpose): no copy is made,
and the plan and the backends see only channels-last arrays. Kernels keep
their layout ``(kh, kw, c, nc)`` whatever ``layout`` (as TensorFlow's
``data_format``, which is about the batch only).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .._plan import checks as check

__all__ = ["LAYOUTS", "channels_first", "from_last", "to_last"]

#: ``layout=`` of every public array function.
LAYOUTS = ("channels_last", "channels_first")


def channels_first(layout: object) -> bool:
    """``layout`` checked: True for ``'channels_first'``."""
    return check.choice(layout, "layout", LAYOUTS) == "channels_first"


def to_last(door: ModuleType, array: Any, first: bool, ndim: int) -> Any:
    """A channels-first batch ``(m, c, *spatial)`` of ``ndim`` axes as a channels-last view ``(m, *spatial, c)``.

    ``ndim``: the axes this call's batches have (the kernels' for a convolution, ``2 + len(kernel_shape)``
    for a pooling). An array of another rank passes unchanged: the plan's rank check reports it, with the
    shape received.
    """
    rank = len(door.meta(array)[0])
    if not first or rank != ndim:
        return array
    return door.permute(array, (0, *range(2, rank), 1))


def from_last(door: ModuleType, array: Any, first: bool) -> Any:
    """A channels-last result ``(m, *spatial, c)`` as a channels-first view ``(m, c, *spatial)``; None stays None."""
    if not first or array is None:
        return array
    rank = len(door.meta(array)[0])
    return door.permute(array, (0, rank - 1, *range(1, rank - 1)))
