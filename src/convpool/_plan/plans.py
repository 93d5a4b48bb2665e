"""Plans: every check and every size of a call, from shapes, dtypes and arguments alone.

A plan is built before any work, from the ``(shape, dtype)`` of each array
and the call's other arguments; it touches no array data. So every door
(NumPy, Dask, other array libraries) validates the real shapes with the same
messages, and a backend receives a frozen, hashable, picklable description
of the work: per spatial axis an :class:`~convpool._plan._shapes.AxisGeometry`,
the compute dtype, pad mode and fill, groups, the output shape.

Plans are cached (:func:`cached`): a repeated call with the same shapes,
dtypes and arguments finds its plan without checking or planning again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import checks as check
from . import dtypes
from ._cache import cached
from ._shapes import AxisGeometry, geometry_nd, has_padding_only_window
from .extents import addressable, one_window_strides, widest

__all__ = ["ConvPlan", "PoolPlan", "conv_plan", "engine_conv_plan", "engine_pool_plan", "pool_plan", "SMALL_BYTES"]

#: Calls whose whole im2col matrix (or pooling window view) stays under this many bytes take the
#: NumPy backend's small-work path: one gather and one product, no thread pool, no tiles, no cost model.
#: Measured (single thread, CPU time): the gather and one GEMM beat the blocked engine on LeNet-sized layers
#: up to about 4 MiB forward; backward, with several input channels, only up to about 2 MiB.
SMALL_BYTES = 4 * 1024 * 1024
SMALL_BACKWARD_BYTES = 2 * 1024 * 1024
#: The small path's pooling gradient copies every window (to find first winners): worth it for tiny calls only.
SMALL_POOL_BACKWARD_BYTES = 64 * 1024


def grayscale_hint(rank: int = 2) -> str:
    """What a pooling's or filter's batch one axis short (no channel axis) is told."""
    return f"a grayscale batch {check.layout(rank, 'm', '')} needs a channel axis: images[..., None] (c = 1)"


@dataclass(frozen=True)
class ConvPlan:
    """A checked convolution: images ``(m, *spatial, c)`` with kernels ``(*k, c // groups, nc)``."""

    images: tuple[int, ...]
    kernels: tuple[int, ...]
    geometry: tuple[AxisGeometry, ...]
    pad_mode: str
    pad_value: float
    groups: int
    dtype: np.dtype
    method: str = "auto"
    threads: int | None = None
    small: bool = False
    small_backward: bool = False
    #: the geometry arguments as the caller wrote them, for messages about this call (not part of the plan's identity)
    described: str = field(default="", compare=False)

    @property
    def out(self) -> tuple[int, ...]:
        """The result's shape ``(m, *out, nc)``."""
        return (self.images[0], *(g.out for g in self.geometry), self.kernels[-1])


@dataclass(frozen=True)
class PoolPlan:
    """A checked pooling of images ``(m, *spatial, c)``, each channel on its own."""

    images: tuple[int, ...]
    geometry: tuple[AxisGeometry, ...]
    mode: str
    count_include_pad: bool
    dtype: np.dtype
    threads: int | None = None
    small: bool = False
    small_backward: bool = False
    described: str = field(default="", compare=False)
    #: ``mode='lp'``'s power (``None`` for the other modes)
    p: float | None = None

    @property
    def out(self) -> tuple[int, ...]:
        return (self.images[0], *(g.out for g in self.geometry), self.images[-1])


def conv_layouts(rank: int) -> tuple[str, str]:
    """The ``(images, kernels)`` layouts of a convolution with ``rank`` spatial axes, in words."""
    return check.layout(rank, "m", "c"), check.layout(rank, "", "c, nc", "k")


@cached
def conv_plan(
    images: tuple,
    images_dtype,
    kernels: tuple,
    kernels_dtype,
    padding,
    stride,
    dilation,
    pad_mode,
    pad_value,
    groups,
    method="auto",
    threads=None,
    dtype=None,
    grad: tuple[Any, Any] | None = None,
    lazy: bool = False,
) -> ConvPlan:
    """The plan of :func:`convpool.convolve`, and of its backward pass with ``grad = (shape, dtype)``.

    Checks, in this order (a call with several errors reports the first):
    arrays and their number of spatial axes (``kernels.ndim - 2``), emptiness,
    groups and channels, padding, stride, dilation, pad mode and value, the
    geometry, the sizes, then ``method``, ``threads`` and ``dtype``. ``lazy``:
    a Dask result, whose whole output need not fit in memory (the Dask backend
    checks each block instead).
    """
    rank = check.spatial_rank(images, images_dtype, kernels, kernels_dtype, conv_layouts)
    check.nonempty(images, "images", f"{check.spatial_words(rank)}, c", range(1, rank + 2))
    check.nonempty(kernels, "kernels", f"{check.spatial_words(rank, 'k')}, c, nc", range(rank + 2))
    groups = check.groups(groups, images, kernels)
    pads = check.padding(padding, rank)
    strides = check.per_axis(stride, "stride", rank)
    dilations = check.per_axis(dilation, "dilation", rank)
    mode = check.choice(pad_mode, "pad_mode", check.PAD_MODES)
    fill = check.pad_value(pad_value, mode)
    geometry = one_window_strides(geometry_nd(pads, images[1:-1], kernels[:-2], strides, dilations))
    described = f"padding={padding!r}, stride={stride!r}, dilation={dilation!r}"
    because = f"{described} with images of shape {images}"
    out = (0 if lazy else images[0], *(g.out for g in geometry), kernels[-1])
    check.fits(out, dtypes.result_dtype(images_dtype, kernels_dtype), "an output", because)
    because = f"dilation={dilation!r} with kernels of shape {kernels}"
    extents = (*(g.extent for g in geometry), images[-1])
    check.fits(extents, dtypes.result_dtype(images_dtype), "one output's window", because)
    window = f"dilation={dilation!r}" if set(dilations) != {1} else f"kernels of shape {kernels}"
    itemsize = widest(images_dtype, dtypes.result_dtype(images_dtype, kernels_dtype))
    addressable(geometry, images[-1], itemsize, images, window, padding)
    extra: tuple[Any, ...] = ()
    if grad is not None:
        check_grad_output(*grad, (images[0], *out[1:]), check.layout(rank, "m", "nc", "o"))
        extra = (grad[1],)
    how = check.choice(method, "method", check.CONV_METHODS)
    workers = check.threads(threads)
    dtype = dtypes.compute_dtype(dtype, images_dtype, kernels_dtype, *extra)
    return engine_conv_plan(tuple(images), tuple(kernels), geometry, mode, fill, groups, dtype, how, workers, described)


def engine_conv_plan(
    images, kernels, geometry, pad_mode, pad_value, groups, dtype, method="auto", threads=None, described=""
) -> ConvPlan:
    """A :class:`ConvPlan` of checked parts, with its path chosen (``small``): also a backend's plan of a part.

    The small-work path takes 2-D calls whose im2col matrix fits :data:`SMALL_BYTES`; other ranks are
    computed as 2-D ones (``_backends.numpy.ranks``), whose own plans choose.
    """
    gather = images[0] * math.prod(g.out for g in geometry) * math.prod(kernels[:-1]) * dtype.itemsize
    small = len(geometry) == 2 and groups == 1 and method in ("auto", "measure", "gemm") and gather <= SMALL_BYTES
    # one input channel: the gradient's tap adds stay cheap (measured faster than the engine up to SMALL_BYTES)
    small_backward = small and (kernels[-2] == 1 or gather <= SMALL_BACKWARD_BYTES)
    return ConvPlan(
        images, kernels, geometry, pad_mode, pad_value, groups, dtype, method, threads, small, small_backward,
        described,
    )  # fmt: skip


def _is_sequence(kernel_shape) -> bool:
    return isinstance(kernel_shape, (tuple, list)) or (isinstance(kernel_shape, np.ndarray) and kernel_shape.ndim > 0)


def pool_ndim(kernel_shape) -> int:
    """Axes of a pooling's batches: ``2 + len(kernel_shape)`` for a sequence, 4 for an int (2-D, as always)."""
    return 2 + (len(kernel_shape) if _is_sequence(kernel_shape) else 2)


def _pool_rank(images: tuple, images_dtype, kernel_shape) -> int:
    """Spatial axes of a pooling: ``len(kernel_shape)``, 2 for an int (as always); the images have two more."""
    sequence = _is_sequence(kernel_shape)
    rank, have = pool_ndim(kernel_shape) - 2, len(images) - 2
    check.array_meta(images, images_dtype, "images", len(images), "")
    if sequence and have >= 1 and rank != have:
        cause = f": kernel_shape has {rank} spatial axes, images {have} (shape {tuple(images)})"
        if rank == have + 1:  # a usual cause: a batch without its channel axis
            cause += f"; images {check.layout(rank, 'm', 'c')} need a channel axis: images[..., None] (c = 1)"
        check.per_axis(kernel_shape, "kernel_shape", have, cause=cause)
    check.array_meta(
        images, images_dtype, "images", rank + 2, check.layout(rank, "m", "c"), {rank + 1: grayscale_hint(rank)}
    )
    return rank


@cached
def pool_plan(
    images: tuple,
    images_dtype,
    kernel_shape,
    stride,
    mode,
    padding,
    count_include_pad,
    threads=None,
    dilation=1,
    ceil_mode=False,
    dtype=None,
    grad: tuple[Any, Any] | None = None,
    lazy: bool = False,
    p=None,
) -> PoolPlan:
    """The plan of :func:`convpool.pool`, and of its backward pass with ``grad = (shape, dtype)``.

    Checks, in this order: array and its number of spatial axes
    (``len(kernel_shape)``, 2 for an int), emptiness, window, stride, mode,
    padding, ``count_include_pad``, ``threads``, ``dilation``, ``ceil_mode``,
    the geometry and the rule that every window holds at least one input cell,
    the output's size, ``grad_output``, then ``dtype``. ``stride=None`` is the
    window (as PyTorch); ``p`` is checked with ``mode``.
    """
    rank = _pool_rank(tuple(images), images_dtype, kernel_shape)
    check.nonempty(images, "images", f"{check.spatial_words(rank)}, c", range(1, rank + 2))
    window = check.per_axis(kernel_shape, "kernel_shape", rank)
    strides = window if stride is None else check.per_axis(stride, "stride", rank)
    mode = check.choice(mode, "mode", check.POOL_MODES)
    power = check.power(p, mode)
    pads = check.padding(padding, rank)
    include = check.flag(count_include_pad, "count_include_pad")
    workers = check.threads(threads)
    dilations = check.per_axis(dilation, "dilation", rank)
    ceil = check.flag(ceil_mode, "ceil_mode")
    geometry = geometry_nd(pads, images[1:-1], window, strides, dilations, what="kernel_shape", ceil=ceil)
    geometry = one_window_strides(geometry)
    if any(has_padding_only_window(g) for g in geometry):
        sides = tuple((g.before, g.after - g.overhang) for g in geometry)
        dil = f", dilation {dilations}" if set(dilations) != {1} else ""
        raise ValueError(
            f"padding {sides} is too large for pooling window {window} with stride {strides}{dil}: "
            "some window would cover only padding"
        )
    described = f"padding={padding!r}, stride={stride!r}"
    because = f"{described} with images of shape {images}"
    kept = np.dtype(images_dtype) if mode in ("max", "min") else dtypes.result_dtype(images_dtype)
    out = (images[0], *(g.out for g in geometry), images[-1])
    check.fits((0 if lazy else images[0], *out[1:]), kept, "an output", because)
    what = f"kernel_shape={kernel_shape!r}" + (f", dilation={dilation!r}" if set(dilations) != {1} else "")
    addressable(geometry, images[-1], widest(images_dtype, kept), images, what, padding)
    if grad is not None:
        check_grad_output(*grad, out, check.layout(rank, "m", "c", "o"))
        dtype = dtypes.compute_dtype(dtype, images_dtype, grad[1])
    elif dtype is None and mode in ("max", "min"):
        dtype = kept  # max and min keep the input dtype
    else:
        dtype = dtypes.compute_dtype(dtype, images_dtype)
    return engine_pool_plan(tuple(images), geometry, mode, include, dtype, workers, described, power)


def engine_pool_plan(images, geometry, mode, count_include_pad, dtype, threads=None, described="", p=None) -> PoolPlan:
    """A :class:`PoolPlan` of checked parts, with its path chosen (``small``): also a backend's plan of a part."""
    window_bytes = images[0] * math.prod(g.out * g.kernel for g in geometry) * images[-1] * dtype.itemsize
    small = len(geometry) == 2 and window_bytes <= SMALL_BYTES
    # max and min need their winner among real cells: the small gradient only without padding
    unpadded = all(g.before == g.after == 0 for g in geometry)
    small_backward = small and window_bytes <= SMALL_POOL_BACKWARD_BYTES and (mode in ("avg", "sum") or unpadded)
    return PoolPlan(images, geometry, mode, count_include_pad, dtype, threads, small, small_backward, described, p)


def check_grad_output(shape, dtype, expected: tuple, layout: str) -> None:
    """``grad_output`` must be numeric with exactly the forward output's shape."""
    check.array_meta(shape, dtype, "grad_output", len(expected), layout)
    if tuple(shape) != tuple(expected):
        raise ValueError(
            f"grad_output must have the forward output's shape {tuple(expected)} {layout}, got shape {tuple(shape)}"
        )
