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
from ._cache import cached
from ._shapes import AxisGeometry, geometry_2d, has_padding_only_window

__all__ = ["ConvPlan", "PoolPlan", "conv_plan", "pool_plan", "SMALL_BYTES"]

#: Calls whose whole im2col matrix (or pooling window view) stays under this many bytes take the
#: NumPy backend's small-work path: one gather and one product, no thread pool, no tiles, no cost model.
#: Measured (single thread, CPU time): the gather and one GEMM beat the blocked engine on LeNet-sized layers
#: up to about 4 MiB forward; backward, with several input channels, only up to about 2 MiB.
SMALL_BYTES = 4 * 1024 * 1024
SMALL_BACKWARD_BYTES = 2 * 1024 * 1024
#: The small path's pooling gradient copies every window (to find first winners): worth it for tiny calls only.
SMALL_POOL_BACKWARD_BYTES = 64 * 1024


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

    @property
    def out(self) -> tuple[int, ...]:
        return (self.images[0], *(g.out for g in self.geometry), self.images[-1])


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
    arrays, emptiness, groups and channels, padding, stride, dilation, pad
    mode and value, the geometry, the sizes, then ``method``, ``threads`` and
    ``dtype``. ``lazy``: a Dask result, whose whole output need not fit in
    memory (the Dask backend checks each block instead).
    """
    check.array_meta(images, images_dtype, "images", 4, "(m, h, w, c)")
    check.array_meta(kernels, kernels_dtype, "kernels", 4, "(kh, kw, c, nc)")
    check.nonempty(images, "images", "h, w, c", (1, 2, 3))
    check.nonempty(kernels, "kernels", "kh, kw, c, nc", (0, 1, 2, 3))
    groups = check.groups(groups, images, kernels)
    pads = check.padding(padding)
    strides = check.int_pair(stride, "stride")
    dilations = check.int_pair(dilation, "dilation")
    mode = check.choice(pad_mode, "pad_mode", check.PAD_MODES)
    fill = check.pad_value(pad_value, mode)
    geometry = geometry_2d(pads, images[1:3], kernels[:2], strides, dilations)
    gh, gw = geometry
    described = f"padding={padding!r}, stride={stride!r}, dilation={dilation!r}"
    because = f"{described} with images of shape {images}"
    out = (0 if lazy else images[0], gh.out, gw.out, kernels[3])
    check.fits(out, check.result_dtype(images_dtype, kernels_dtype), "an output", because)
    because = f"dilation={dilation!r} with kernels of shape {kernels}"
    check.fits((gh.extent, gw.extent, images[3]), check.result_dtype(images_dtype), "one output's window", because)
    extra: tuple[Any, ...] = ()
    if grad is not None:
        check_grad_output(*grad, (images[0], *out[1:]), "(m, oh, ow, nc)")
        extra = (grad[1],)
    how = check.choice(method, "method", check.CONV_METHODS)
    workers = check.threads(threads)
    dtype = check.compute_dtype(dtype, images_dtype, kernels_dtype, *extra)
    gather = images[0] * gh.out * gw.out * math.prod(kernels[:3]) * dtype.itemsize
    small = groups == 1 and how in ("auto", "gemm") and gather <= SMALL_BYTES
    # one input channel: the gradient's tap adds stay cheap (measured faster than the engine up to SMALL_BYTES)
    small_backward = small and (kernels[2] == 1 or gather <= SMALL_BACKWARD_BYTES)
    return ConvPlan(
        images, kernels, geometry, mode, fill, groups, dtype, how, workers, small, small_backward, described
    )


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
) -> PoolPlan:
    """The plan of :func:`convpool.pool`, and of its backward pass with ``grad = (shape, dtype)``.

    Checks, in this order: array, emptiness, window, stride, mode, padding,
    ``count_include_pad``, ``threads``, ``dilation``, ``ceil_mode``, the
    geometry and the rule that every window holds at least one input cell,
    the output's size, ``grad_output``, then ``dtype``.
    """
    grayscale = "a grayscale batch (m, h, w) needs a channel axis: images[..., None] (c = 1)"
    check.array_meta(images, images_dtype, "images", 4, "(m, h, w, c)", {3: grayscale})
    check.nonempty(images, "images", "h, w, c", (1, 2, 3))
    window = check.int_pair(kernel_shape, "kernel_shape")
    strides = check.int_pair(stride, "stride")
    mode = check.choice(mode, "mode", check.POOL_MODES)
    pads = check.padding(padding)
    include = check.flag(count_include_pad, "count_include_pad")
    workers = check.threads(threads)
    dilations = check.int_pair(dilation, "dilation")
    ceil = check.flag(ceil_mode, "ceil_mode")
    geometry = geometry_2d(pads, images[1:3], window, strides, dilations, what="kernel_shape", ceil=ceil)
    if any(has_padding_only_window(g) for g in geometry):
        sides = tuple((g.before, g.after - g.overhang) for g in geometry)
        dil = f", dilation {dilations}" if dilations != (1, 1) else ""
        raise ValueError(
            f"padding {sides} is too large for pooling window {window} with stride {strides}{dil}: "
            "some window would cover only padding"
        )
    gh, gw = geometry
    described = f"padding={padding!r}, stride={stride!r}"
    because = f"{described} with images of shape {images}"
    kept = np.dtype(images_dtype) if mode in ("max", "min") else check.result_dtype(images_dtype)
    check.fits((0 if lazy else images[0], gh.out, gw.out, images[3]), kept, "an output", because)
    if grad is not None:
        check_grad_output(*grad, (images[0], gh.out, gw.out, images[3]), "(m, oh, ow, c)")
        dtype = check.compute_dtype(dtype, images_dtype, grad[1])
    elif dtype is None and mode in ("max", "min"):
        dtype = kept  # max and min keep the input dtype
    else:
        dtype = check.compute_dtype(dtype, images_dtype)
    window_bytes = images[0] * gh.out * gw.out * gh.kernel * gw.kernel * images[3] * dtype.itemsize
    small = window_bytes <= SMALL_BYTES
    # max and min need their winner among real cells: the small gradient only without padding
    unpadded = all(g.before == g.after == 0 for g in geometry)
    small_backward = small and window_bytes <= SMALL_POOL_BACKWARD_BYTES and (mode in ("avg", "sum") or unpadded)
    return PoolPlan(images, geometry, mode, include, dtype, workers, small, small_backward, described)


def check_grad_output(shape, dtype, expected: tuple, layout: str) -> None:
    """``grad_output`` must be numeric with exactly the forward output's shape."""
    check.array_meta(shape, dtype, "grad_output", 4, layout)
    if tuple(shape) != tuple(expected):
        raise ValueError(
            f"grad_output must have the forward output's shape {tuple(expected)} {layout}, got shape {tuple(shape)}"
        )
