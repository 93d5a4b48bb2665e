"""Naive oracles written straight from the definitions, independent of convpool's code.

They loop over output positions and read each window directly; padding is
resolved here from its definition, not with convpool's ``_shapes``.
"""

from __future__ import annotations

import math

import numpy as np


def ref_pads(padding, size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """Per-side padding of one axis, from the definitions in DESIGN.md."""
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        return 0, 0
    if padding == "full":
        return span - 1, span - 1
    if padding == "same":
        out = math.ceil(size / stride)
        # smallest total padding that fits `out` windows
        total = 0
        while (size + total - span) // stride + 1 < out:
            total += 1
        return total // 2, total - total // 2
    raise AssertionError(padding)


def _pairs(padding, sizes, kernel, stride, dilation):
    if isinstance(padding, str):
        return [ref_pads(padding, sizes[a], kernel[a], stride[a], dilation[a]) for a in (0, 1)]
    if isinstance(padding, int):
        return [(padding, padding)] * 2
    return [tuple(p) if isinstance(p, (tuple, list)) else (p, p) for p in padding]


def _two(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv_ref(images, kernels, padding="same", stride=1, dilation=1, pad_mode="constant", pad_value=0.0):
    """``out[n,i,j,o] = sum_{a,b,c} xp[n, i*sh + a*dh, j*sw + b*dw, c] * k[a,b,c,o]`` in float64."""
    x = np.asarray(images, dtype=np.float64)
    k = np.asarray(kernels, dtype=np.float64)
    stride, dilation = _two(stride), _two(dilation)
    (t, b), (left, r) = _pairs(padding, x.shape[1:3], k.shape[:2], stride, dilation)
    extra = {"constant_values": pad_value} if pad_mode == "constant" else {}
    xp = np.pad(x, ((0, 0), (t, b), (left, r), (0, 0)), mode=pad_mode, **extra)
    kh, kw = k.shape[:2]
    oh = (xp.shape[1] - (kh - 1) * dilation[0] - 1) // stride[0] + 1
    ow = (xp.shape[2] - (kw - 1) * dilation[1] - 1) // stride[1] + 1
    out = np.zeros((x.shape[0], oh, ow, k.shape[3]))
    for i in range(oh):
        for j in range(ow):
            rows = [i * stride[0] + a * dilation[0] for a in range(kh)]
            cols = [j * stride[1] + c * dilation[1] for c in range(kw)]
            window = xp[:, rows][:, :, cols]  # (m, kh, kw, c)
            out[:, i, j, :] = np.einsum("nabc,abco->no", window, k)
    return out


def pool_ref(images, kernel_shape, stride, mode="max", padding="valid", count_include_pad=False):
    """Pooling by reading each window; padded cells are NaN and skipped unless counted."""
    x = np.asarray(images)
    kh, kw = _two(kernel_shape)
    sh, sw = _two(stride)
    (t, b), (left, r) = _pairs(padding, x.shape[1:3], (kh, kw), (sh, sw), (1, 1))
    xp = np.pad(x.astype(np.float64), ((0, 0), (t, b), (left, r), (0, 0)), constant_values=np.nan)
    oh = (xp.shape[1] - kh) // sh + 1
    ow = (xp.shape[2] - kw) // sw + 1
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for i in range(oh):
        for j in range(ow):
            window = xp[:, i * sh : i * sh + kh, j * sw : j * sw + kw, :]
            if mode == "max":
                out[:, i, j] = np.nanmax(window, axis=(1, 2))
            elif mode == "min":
                out[:, i, j] = np.nanmin(window, axis=(1, 2))
            elif mode == "sum":
                out[:, i, j] = np.nansum(window, axis=(1, 2))
            elif count_include_pad:
                out[:, i, j] = np.nansum(window, axis=(1, 2)) / (kh * kw)
            else:
                out[:, i, j] = np.nanmean(window, axis=(1, 2))
    return out
