"""The plan of adaptive pooling: an output size given, the windows derived per spatial axis.

Built, like the other plans, from shapes, dtypes and arguments alone, and cached;
its windows come from :func:`convpool._plan._shapes.adaptive_windows`. The number of
spatial axes is ``len(output_shape)`` (an int: 2-D), as ``len(kernel_shape)`` for a
pooling; :func:`batch_rank` checks it against the batch, also for unpooling.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, replace

import numpy as np

from . import checks as check
from . import dtypes
from ._cache import cached
from ._shapes import adaptive_windows
from .plans import _is_sequence, check_grad_output, grayscale_hint, pool_ndim

__all__ = ["ADAPTIVE_MODES", "AdaptivePlan", "adaptive_plan", "batch_rank"]

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


def batch_rank(batch: tuple, batch_dtype, name: str, output_shape) -> int:
    """Spatial axes of an adaptive pooling or an unpooling: ``len(output_shape)``, 2 for an int (as in pooling).

    ``batch`` (the images, or the values) must be numeric with two axes more; a mismatch names its
    cause ("output_shape has 3 spatial axes, images 2").
    """
    sequence = _is_sequence(output_shape)
    rank, have = pool_ndim(output_shape) - 2, len(batch) - 2
    check.array_meta(batch, batch_dtype, name, len(batch), "")
    channel = f"{name} {check.layout(rank, 'm', '')} need a channel axis: {name}[..., None] (c = 1)"
    if sequence and have >= 1 and rank != have:
        raise ValueError(
            f"output_shape must be an int or {have} values (one per spatial axis of {name}), got {rank} values: "
            f"{output_shape!r}; output_shape has {rank} spatial axes, {name} {have} (shape {tuple(batch)})"
            + (f"; {channel}" if rank == have + 1 else "")
        )
    hints = {rank + 1: grayscale_hint(rank) if name == "images" else channel}
    if not sequence and have >= 1 and have not in (rank, rank - 1):
        hints[len(batch)] = f"an int output_shape means 2-D: give {have} values, one per spatial axis"
    pooled = "" if name == "images" else "o"  # unpooling's values and indices are a pooling's output
    check.array_meta(batch, batch_dtype, name, rank + 2, check.layout(rank, "m", "c", pooled), hints)
    return rank


def output_sizes(value, sizes: tuple[int, ...]) -> tuple[int, ...]:
    """``output_shape``: an int, or one int or ``None`` (keep the input's size) per spatial axis, each ``>= 1``."""
    rank = len(sizes)
    accepted = f"an int or {rank} ints or None (one per spatial axis), each >= 1"
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    items = list(value) if isinstance(value, (tuple, list, np.ndarray)) else [value] * rank
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

    Checks, in this order: array and its number of spatial axes (``len(output_shape)``, 2 for an int),
    emptiness, ``output_shape``, ``mode``, the output's size,
    ``grad_output``, then ``dtype``. ``lazy``: a Dask result (its blocks are checked instead).
    """
    rank = batch_rank(images, images_dtype, "images", output_shape)
    check.nonempty(images, "images", f"{check.spatial_words(rank)}, c", range(1, rank + 2))
    sizes = output_sizes(output_shape, tuple(images[1:-1]))
    mode = check.choice(mode, "mode", ADAPTIVE_MODES)
    out = (images[0], *sizes, images[-1])
    kept = np.dtype(images_dtype) if mode in ("max", "min") else dtypes.result_dtype(images_dtype)
    check.fits((0 if lazy else images[0], *out[1:]), kept, "an output", f"output_shape={output_shape!r}")
    if grad is not None:
        check_grad_output(grad[0], grad[1], out, check.layout(rank, "m", "c", "o"))
        dtype = dtypes.compute_dtype(dtype, images_dtype, grad[1])
    elif dtype is None and mode in ("max", "min"):
        dtype = kept  # max and min keep the input dtype, as in pool
    else:
        dtype = dtypes.compute_dtype(dtype, images_dtype)
    windows = tuple(adaptive_windows(n, o) for n, o in zip(images[1:-1], sizes, strict=True))
    return AdaptivePlan(tuple(images), windows, mode, np.dtype(dtype))
