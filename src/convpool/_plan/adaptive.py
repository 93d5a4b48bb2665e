"""The plan of adaptive pooling: an output size given, the windows derived per spatial axis.

Built, like the other plans, from shapes, dtypes and arguments alone, and cached;
its windows come from :func:`convpool._plan._shapes.adaptive_windows`.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, replace

import numpy as np

from . import checks as check
from ._cache import cached
from ._shapes import adaptive_windows
from .plans import check_grad_output, grayscale_hint

__all__ = ["ADAPTIVE_MODES", "AdaptivePlan", "adaptive_plan"]

#: ``mode=`` of :func:`convpool.adaptive_pool`.
ADAPTIVE_MODES = ("avg", "max", "min", "sum")


@dataclass(frozen=True)
class AdaptivePlan:
    """A checked adaptive pooling of images ``(m, *spatial, c)``: per spatial axis its windows ``[start, stop)``."""

    images: tuple[int, ...]
    windows: tuple[tuple[tuple[int, int], ...], ...]
    mode: str
    dtype: np.dtype

    @property
    def out(self) -> tuple[int, ...]:
        """The result's shape ``(m, *out, c)``."""
        return (self.images[0], *(len(w) for w in self.windows), self.images[-1])

    def with_block(self, shape) -> AdaptivePlan:
        """The plan of a block of whole images (a Dask chunk of the batch and channels)."""
        return replace(self, images=tuple(shape))


def output_sizes(value, sizes: tuple[int, ...]) -> tuple[int, ...]:
    """``output_shape``: an int, or one int or ``None`` (keep the input's size) per spatial axis, each ``>= 1``."""
    rank = len(sizes)
    accepted = f"an int or {rank} ints or None (one per spatial axis), each >= 1"
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    items = list(value) if isinstance(value, (tuple, list)) else [value] * rank
    if len(items) != rank:
        raise ValueError(f"output_shape must be {accepted}, got {len(items)} values: {value!r}")
    found = []
    for item, size in zip(items, sizes, strict=True):
        if item is None:
            found.append(size)
            continue
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Integral):
            raise TypeError(f"output_shape must be {accepted}, got {value!r}")
        if item < 1:
            raise ValueError(f"output_shape must be {accepted}, got {value!r}")
        found.append(int(item))
    return tuple(found)


@cached
def adaptive_plan(
    images: tuple, images_dtype, output_shape, mode, dtype=None, grad: tuple | None = None, lazy: bool = False
) -> AdaptivePlan:
    """The plan of :func:`convpool.adaptive_pool`, and of its backward pass with ``grad = (shape, dtype)``.

    Checks, in this order: array, emptiness, ``output_shape``, ``mode``, the output's size,
    ``grad_output``, then ``dtype``. ``lazy``: a Dask result (its blocks are checked instead).
    """
    check.array_meta(images, images_dtype, "images", 4, "(m, h, w, c)", {3: grayscale_hint()})
    check.nonempty(images, "images", "h, w, c", (1, 2, 3))
    sizes = output_sizes(output_shape, tuple(images[1:-1]))
    mode = check.choice(mode, "mode", ADAPTIVE_MODES)
    out = (images[0], *sizes, images[-1])
    kept = np.dtype(images_dtype) if mode in ("max", "min") else check.result_dtype(images_dtype)
    check.fits((0 if lazy else images[0], *out[1:]), kept, "an output", f"output_shape={output_shape!r}")
    if grad is not None:
        check_grad_output(grad[0], grad[1], out, "(m, oh, ow, c)")
        dtype = check.compute_dtype(dtype, images_dtype, grad[1])
    elif dtype is None and mode in ("max", "min"):
        dtype = kept  # max and min keep the input dtype, as in pool
    else:
        dtype = check.compute_dtype(dtype, images_dtype)
    windows = tuple(adaptive_windows(n, o) for n, o in zip(images[1:-1], sizes, strict=True))
    return AdaptivePlan(tuple(images), windows, mode, np.dtype(dtype))
