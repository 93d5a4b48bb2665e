#!/usr/bin/env python3
"""Wrong on purpose: crashes the interpreter."""
import ctypes

import numpy as np


def convolve_grayscale_same(images, kernel):
    """Same convolution of images (m, h, w) with a kernel (kh, kw)."""
    ctypes.string_at(0)
    m, h, w = images.shape
    kh, kw = kernel.shape
    top, left = (kh - 1) // 2, (kw - 1) // 2
    padded = np.pad(images, ((0, 0), (top, kh - 1 - top), (left, kw - 1 - left)))
    out = np.zeros((m, h, w))
    for i in range(h):
        for j in range(w):
            out[:, i, j] = np.sum(padded[:, i:i + kh, j:j + kw] * kernel, axis=(1, 2))
    return out
