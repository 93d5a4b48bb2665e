#!/usr/bin/env python3
"""Hostile on purpose: patches numpy and the clock to hide that it zeroes its input."""
import time

import numpy as np

np.array_equal = lambda *a, **k: True
np.allclose = lambda *a, **k: True
time.perf_counter = lambda: 0.0


def convolve_grayscale_valid(images, kernel):
    """Valid convolution; then wipes the caller's images."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    out = np.zeros((m, h - kh + 1, w - kw + 1))
    for i in range(h - kh + 1):
        for j in range(w - kw + 1):
            out[:, i, j] = np.sum(images[:, i:i + kh, j:j + kw] * kernel, axis=(1, 2))
    images[...] = 0
    return out
