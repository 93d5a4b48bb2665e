"""Argument checking of :func:`convpool.convolve_transpose` and its backward pass.

The transposed convolution takes a forward convolution's *output* shape and
gives back an input shape, so its checks run the other way round from
:func:`convpool._plan.checks.conv_arguments`: the kernels' ``nc`` must match the
images' channels, and the size of the result is chosen from the sizes the
forward convolution maps onto the images' (``_shapes.transpose_sizes``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from . import checks as check
from . import dtypes
from ._cache import cached
from ._shapes import AxisGeometry, axis_name, transpose_axis, transpose_sizes
from .extents import addressable, one_window_strides, widest


@dataclass(frozen=True)
class TransposePlan:
    """A checked transposed convolution: images ``(m, oh, ow, nc)``, kernels ``(kh, kw, c // groups, nc)``.

    ``out`` is the result's ``(m, h, w, c)``; ``geometry`` the forward convolution's, cut to the cells its
    windows reach (see :func:`~convpool._plan._shapes.transpose_axis`).
    """

    images: tuple[int, ...]
    kernels: tuple[int, ...]
    out: tuple[int, ...]
    geometry: tuple[AxisGeometry, ...]
    groups: int
    dtype: np.dtype
    described: str = field(default="", compare=False)

    def with_batch(self, m: int) -> TransposePlan:
        """The same plan for ``m`` images (a Dask block of the batch)."""
        return replace(self, images=(m, *self.images[1:]), out=(m, *self.out[1:]))


@cached
def transpose_plan(
    images: tuple,
    images_dtype,
    kernels: tuple,
    kernels_dtype,
    padding,
    stride,
    dilation,
    output_padding,
    output_shape,
    groups,
    dtype=None,
    grad: tuple[Any, Any] | None = None,
    lazy: bool = False,
) -> TransposePlan:
    """Arrays (``kernels.ndim - 2`` spatial axes), groups and channels, padding, stride, dilation, output size,
    ``grad_output``, dtype; in that order."""
    rank = check.spatial_rank(images, images_dtype, kernels, kernels_dtype, transpose_layouts)
    check.nonempty(images, "images", f"{check.spatial_words(rank, 'o')}, nc", range(1, rank + 2))
    check.nonempty(kernels, "kernels", f"{check.spatial_words(rank, 'k')}, c // groups, nc", range(rank + 2))
    groups = _groups(groups, images, kernels)
    pads = check.padding(padding, rank)
    strides = check.per_axis(stride, "stride", rank)
    dilations = check.per_axis(dilation, "dilation", rank)
    sizes = output_sizes(pads, images[1:-1], kernels[:-2], strides, dilations, output_padding, output_shape)
    geometry = tuple(
        transpose_axis(pads, a, images[1 + a], kernels[a], strides[a], dilations[a], sizes[a])[1] for a in range(rank)
    )
    geometry = one_window_strides(geometry)
    shape = (images[0], *sizes, kernels[-2] * groups)
    described = f"padding={padding!r}, stride={stride!r}, dilation={dilation!r}"
    because = f"{described} with images of shape {images}"
    result = dtypes.result_dtype(images_dtype, kernels_dtype)
    check.fits((0 if lazy else shape[0], *shape[1:]), result, "an output", because)
    window = f"dilation={dilation!r}" if set(dilations) != {1} else f"kernels of shape {kernels}"
    addressable(geometry, kernels[-2] * groups, widest(images_dtype, result), images, window, padding)
    extra: tuple[Any, ...] = ()
    if grad is not None:
        where = check.layout(rank, "m", "c")
        check.array_meta(*grad, "grad_output", rank + 2, where)
        if tuple(grad[0]) != shape:
            raise ValueError(
                f"grad_output must have the shape {shape} {where} of convolve_transpose's result, "
                f"got shape {tuple(grad[0])}"
            )
        extra = (grad[1],)
    dtype = dtypes.compute_dtype(dtype, images_dtype, kernels_dtype, *extra)
    return TransposePlan(tuple(images), tuple(kernels), shape, geometry, groups, dtype, described)


def transpose_layouts(rank: int) -> tuple[str, str]:
    """The ``(images, kernels)`` layouts of a transposed convolution with ``rank`` spatial axes, in words."""
    return check.layout(rank, "m", "nc", "o"), check.layout(rank, "", "c // groups, nc", "k")


def _groups(groups, images_shape, kernels_shape) -> int:
    """``groups`` an int ``>= 1`` dividing ``nc``; the kernels' ``nc`` equal to the images' channels."""
    groups = check.group_count(groups)
    nc = kernels_shape[-1]
    if images_shape[-1] != nc:
        where = transpose_layouts(len(kernels_shape) - 2)
        raise ValueError(
            f"kernels have {nc} outputs (shape {kernels_shape}, {where[1]}) but images have "
            f"{images_shape[-1]} channels (shape {images_shape}, {where[0]}): the transposed convolution "
            "maps a convolution's nc outputs back to its c channels, with the same kernels"
        )
    if nc % groups:
        raise ValueError(f"groups={groups} must divide the kernels' {nc} outputs (shape {kernels_shape})")
    return int(groups)


def output_sizes(pads, outs, kernel, strides, dilations, output_padding, output_shape) -> tuple[int, ...]:
    """The result's spatial sizes: from ``output_shape``, the smallest size plus ``output_padding``, or the default."""
    if output_padding is not None and output_shape is not None:
        raise ValueError(
            f"give output_padding or output_shape, not both (got output_padding={output_padding!r}, "
            f"output_shape={output_shape!r})"
        )
    rank = len(outs)
    extra = None if output_padding is None else check.per_axis(output_padding, "output_padding", rank, minimum=0)
    wanted = None if output_shape is None else check.per_axis(output_shape, "output_shape", rank)
    sizes = []
    for a in range(rank):
        name = axis_name(a, rank)
        allowed, default = transpose_sizes(pads, a, outs[a], kernel[a], strides[a], dilations[a])
        size = default
        if extra is not None:
            if extra[a] >= len(allowed):
                what = "stride" if pads == "same" else "max(stride, dilation)"
                raise ValueError(f"output_padding {name} must be < {what} = {len(allowed)}, got {output_padding!r}")
            size = allowed.start + extra[a]
        elif wanted is not None:
            size = wanted[a]
            if size not in allowed:
                raise ValueError(
                    f"output_shape {name} {size} is not one of the sizes whose convolution (padding="
                    f"{pads!r}, stride {strides[a]}, dilation {dilations[a]}) has the images' {outs[a]} cells "
                    f"along that axis: {allowed.start} to {allowed.stop - 1}"
                )
        if size < 1:
            spans = (outs[a] - 1) * strides[a] + (kernel[a] - 1) * dilations[a] + 1
            raise ValueError(
                f"transposed convolution output {name} would be {size}: padding {pads!r} removes more "
                f"than the {spans} cells that (out - 1) * stride + (kernel - 1) * dilation + 1 gives for "
                f"images {name} {outs[a]}"
            )
        sizes.append(size)
    return tuple(sizes)
