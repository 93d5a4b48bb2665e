#!/usr/bin/env python3
"""Wrong on purpose: 'same' puts the whole total max((h - 1) * sh + kh - h, 0) on each side (never halved)."""
import numpy as np


def convolve(images, kernels, padding='same', stride=(1, 1)):
    """Convolution of images (m, h, w, c) with kernels (kh, kw, c, nc)."""
    m, h, w, _ = images.shape
    kh, kw, _, nc = kernels.shape
    sh, sw = stride
    if padding == 'same':
        ph = max((h - 1) * sh + kh - h, 0)
        pw = max((w - 1) * sw + kw - w, 0)
    elif padding == 'valid':
        ph = pw = 0
    else:
        ph, pw = padding
    big = np.pad(images, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    out_h = (h + 2 * ph - kh) // sh + 1
    out_w = (w + 2 * pw - kw) // sw + 1
    out = np.zeros((m, out_h, out_w, nc))
    for y in range(out_h):
        for x in range(out_w):
            for k in range(nc):
                part = big[:, y * sh:y * sh + kh, x * sw:x * sw + kw, :]
                out[:, y, x, k] = np.sum(part * kernels[..., k], axis=(1, 2, 3))
    return out
