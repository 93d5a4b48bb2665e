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


def conv_ref(images, kernels, padding="same", stride=1, dilation=1, pad_mode="constant", pad_value=0.0, groups=1):
    """``out[n,i,j,o] = sum_{a,b,c} xp[n, i*sh + a*dh, j*sw + b*dw, c] * k[a,b,c,o]`` in float64.

    With ``groups``: each group's outputs from its own channels, one group at a time.
    """
    if groups != 1:
        x, k = np.asarray(images), np.asarray(kernels)
        cg, ng = x.shape[3] // groups, k.shape[3] // groups
        parts = [
            conv_ref(
                x[..., g * cg : (g + 1) * cg],
                k[..., g * ng : (g + 1) * ng],
                padding,
                stride,
                dilation,
                pad_mode,
                pad_value,
            )
            for g in range(groups)
        ]
        return np.concatenate(parts, axis=3)
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


def _window_starts(padded: int, size_before: int, extent: int, stride: int, ceil_mode: bool) -> list[int]:
    """Starts (in padded cells) of the windows along one axis, window by window.

    Floor: a window exists while it ends inside the padded axis. Ceil (PyTorch):
    while the previous window ended before the padded axis did and the window
    starts before the bottom/right padding (``size_before`` = before + size).
    """
    starts = [0]
    while True:
        nxt = starts[-1] + stride
        if not ceil_mode and nxt + extent <= padded:
            starts.append(nxt)
        elif ceil_mode and starts[-1] + extent < padded and nxt < size_before:
            starts.append(nxt)
        else:
            return starts


def pool_ref(
    images, kernel_shape, stride, mode="max", padding="valid", count_include_pad=False, dilation=1, ceil_mode=False
):
    """Pooling by reading each window's taps; padded cells are NaN and skipped unless counted.

    ``count_include_pad`` counts the window's taps inside the padded image (a
    ceil-mode window reaching past it counts only those), as PyTorch's avg_pool2d.
    """
    x = np.asarray(images).astype(np.float64)
    kh, kw = _two(kernel_shape)
    sh, sw = _two(stride)
    dh, dw = _two(dilation)
    (t, b), (left, r) = _pairs(padding, x.shape[1:3], (kh, kw), (sh, sw), (dh, dw))
    starts = []
    for size, before, after, k, s, d in ((x.shape[1], t, b, kh, sh, dh), (x.shape[2], left, r, kw, sw, dw)):
        starts.append(_window_starts(before + size + after, before + size, (k - 1) * d + 1, s, ceil_mode))
    extra = (
        max(starts[0][-1] + (kh - 1) * dh + 1 - (t + x.shape[1] + b), 0),
        max(starts[1][-1] + (kw - 1) * dw + 1 - (left + x.shape[2] + r), 0),
    )
    xp = np.pad(x, ((0, 0), (t, b + extra[0]), (left, r + extra[1]), (0, 0)), constant_values=np.nan)
    inside = np.zeros(xp.shape[1:3], bool)  # cells of the padded image (not ceil mode's extra ones)
    inside[: t + x.shape[1] + b, : left + x.shape[2] + r] = True
    out = np.zeros((x.shape[0], len(starts[0]), len(starts[1]), x.shape[3]))
    for i, top in enumerate(starts[0]):
        for j, first in enumerate(starts[1]):
            rows = [top + a * dh for a in range(kh)]
            cols = [first + c * dw for c in range(kw)]
            window = xp[:, rows][:, :, cols]
            if mode == "max":
                out[:, i, j] = np.nanmax(window, axis=(1, 2))
            elif mode == "min":
                out[:, i, j] = np.nanmin(window, axis=(1, 2))
            elif mode == "sum":
                out[:, i, j] = np.nansum(window, axis=(1, 2))
            elif count_include_pad:
                out[:, i, j] = np.nansum(window, axis=(1, 2)) / inside[np.ix_(rows, cols)].sum()
            else:
                out[:, i, j] = np.nanmean(window, axis=(1, 2))
    return out


def conv_transpose_ref(images, kernels, pads, stride, dilation, size, groups=1):
    """The transposed convolution as a scatter, from its definition, in float64.

    ``full[n, i*sh + a*dh, j*sw + b*dw, k] += y[n, i, j, o] * k[a, b, k', o]`` for the
    channels ``k = g*cg + k'`` of ``o``'s group ``g``; the result is ``full`` from
    row ``top`` and column ``left`` on, ``size = (h, w)`` cells (zeros past the scatter).
    ``pads = (top, left)``: only the cells before the image matter.
    """
    y, k = np.asarray(images, dtype=np.float64), np.asarray(kernels, dtype=np.float64)
    (sh, sw), (dh, dw) = _two(stride), _two(dilation)
    m, oh, ow, nc = y.shape
    kh, kw, cg, _ = k.shape
    ng = nc // groups
    top, left = pads
    full = np.zeros((m, top + size[0] + oh * sh + kh * dh, left + size[1] + ow * sw + kw * dw, cg * groups))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    for o in range(nc):
                        g = o // ng
                        full[:, i * sh + a * dh, j * sw + b * dw, g * cg : (g + 1) * cg] += (
                            y[:, i, j, o, None] * k[a, b, :, o]
                        )
    return full[:, top : top + size[0], left : left + size[1]]
