"""Naive oracles in any number of spatial axes, written from the definitions, independent of convpool's code.

Loops over every output position and reads its window directly; padding is
resolved here (``tests/_reference.ref_pads``, the 2-D oracle's rule per axis),
not with convpool's ``_shapes``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from _reference import ref_pads


def per_axis(value, rank: int) -> tuple[int, ...]:
    return (value,) * rank if isinstance(value, int) else tuple(value)


def pairs(padding, sizes, kernel, stride, dilation) -> list[tuple[int, int]]:
    """Per-side padding of every axis from a padding word, an int, ints or pairs."""
    rank = len(sizes)
    if isinstance(padding, str):
        return [ref_pads(padding, sizes[a], kernel[a], stride[a], dilation[a]) for a in range(rank)]
    if isinstance(padding, int):
        return [(padding, padding)] * rank
    return [tuple(p) if isinstance(p, (tuple, list)) else (p, p) for p in padding]


def conv_nd_ref(images, kernels, padding="valid", stride=1, dilation=1, pad_mode="constant", pad_value=0.0, groups=1):
    """``out[n, *i, o] = sum_{*a, k} xp[n, *(i * s + a * d), g * cg + k] * kernels[*a, k, o]`` in float64."""
    x = np.asarray(images, dtype=np.float64)
    k = np.asarray(kernels, dtype=np.float64)
    rank = k.ndim - 2
    stride, dilation = per_axis(stride, rank), per_axis(dilation, rank)
    sides = pairs(padding, x.shape[1:-1], k.shape[:rank], stride, dilation)
    extra = {"constant_values": pad_value} if pad_mode == "constant" else {}
    xp = np.pad(x, [(0, 0), *sides, (0, 0)], mode=pad_mode, **extra)
    outs = [(xp.shape[1 + a] - (k.shape[a] - 1) * dilation[a] - 1) // stride[a] + 1 for a in range(rank)]
    cg, nc = k.shape[-2], k.shape[-1]
    ng = nc // groups
    out = np.zeros((x.shape[0], *outs, nc))
    for position in itertools.product(*(range(o) for o in outs)):
        index = [[position[a] * stride[a] + t * dilation[a] for t in range(k.shape[a])] for a in range(rank)]
        window = xp[np.ix_(range(x.shape[0]), *index, range(x.shape[-1]))]  # (m, *k, c)
        for o in range(nc):
            group = o // ng
            taps = window[..., group * cg : (group + 1) * cg]
            with np.errstate(invalid="ignore"):  # inf * 0 and inf - inf are NaN, by definition
                out[(slice(None), *position, o)] = (taps * k[..., o]).reshape(x.shape[0], -1).sum(axis=1)
    return out


def _starts(size: int, before: int, after: int, extent: int, stride: int, ceil_mode: bool) -> list[int]:
    """Window starts (in padded coordinates) along one axis, PyTorch's ceil_mode rule included."""
    span = size + before + after - extent
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + before:
        out -= 1
    return [i * stride for i in range(out)]


def pool_nd_ref(images, kernel, stride, mode="max", padding=0, count_include_pad=False, dilation=1, ceil_mode=False):
    """Pooling in any number of axes: padded cells never win and count only with ``count_include_pad``
    (and then only those inside the padding asked for, as PyTorch)."""
    x = np.asarray(images, dtype=np.float64)
    rank = x.ndim - 2
    kernel, stride, dilation = per_axis(kernel, rank), per_axis(stride, rank), per_axis(dilation, rank)
    sides = pairs(padding, x.shape[1:-1], kernel, stride, dilation)
    extents = [(kernel[a] - 1) * dilation[a] + 1 for a in range(rank)]
    starts = [_starts(x.shape[1 + a], *sides[a], extents[a], stride[a], ceil_mode) for a in range(rank)]
    out = np.zeros((x.shape[0], *(len(s) for s in starts), x.shape[-1]))
    for position in itertools.product(*(range(len(s)) for s in starts)):
        taps = [[starts[a][position[a]] + t * dilation[a] - sides[a][0] for t in range(kernel[a])] for a in range(rank)]
        real = [[t for t in axis if 0 <= t < x.shape[1 + a]] for a, axis in enumerate(taps)]
        inside = [[t for t in axis if -sides[a][0] <= t < x.shape[1 + a] + sides[a][1]] for a, axis in enumerate(taps)]
        window = x[np.ix_(range(x.shape[0]), *real, range(x.shape[-1]))].reshape(x.shape[0], -1, x.shape[-1])
        if mode == "max":
            value = window.max(axis=1)
        elif mode == "min":
            value = window.min(axis=1)
        elif mode == "sum":
            value = window.sum(axis=1)
        else:
            count = math.prod(len(a) for a in (inside if count_include_pad else real))
            value = window.sum(axis=1) / count
        out[(slice(None), *position)] = value
    return out


def conv_transpose_nd_ref(images, kernels, padding, stride, dilation, sizes, groups=1):
    """The adjoint of :func:`conv_nd_ref` (zero padding ``padding`` pairs), scattered output by output,
    cut to ``sizes``: PyTorch's ``conv_transpose`` with ``output_padding = sizes - smallest``."""
    y = np.asarray(images, dtype=np.float64)
    k = np.asarray(kernels, dtype=np.float64)
    rank = k.ndim - 2
    stride, dilation = per_axis(stride, rank), per_axis(dilation, rank)
    cg, nc = k.shape[-2], k.shape[-1]
    ng = nc // groups
    padded = [
        sizes[a] + padding[a][0] + padding[a][1] + (k.shape[a] - 1) * dilation[a] + stride[a] for a in range(rank)
    ]
    out = np.zeros((y.shape[0], *padded, cg * groups))
    for position in itertools.product(*(range(s) for s in y.shape[1:-1])):
        for taps in itertools.product(*(range(s) for s in k.shape[:rank])):
            cell = tuple(position[a] * stride[a] + taps[a] * dilation[a] for a in range(rank))
            for o in range(nc):
                group = o // ng
                target = (slice(None), *cell, slice(group * cg, (group + 1) * cg))
                out[target] += y[(slice(None), *position, o)][:, None] * k[(*taps, slice(None), o)]
    cut = tuple(slice(padding[a][0], padding[a][0] + sizes[a]) for a in range(rank))
    return out[(slice(None), *cut)]
