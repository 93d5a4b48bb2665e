#!/usr/bin/env python3
"""Wrong on purpose: never returns."""
import numpy as np


def convolve_grayscale_valid(images, kernel):
    """Valid convolution of images (m, h, w) with a kernel (kh, kw)."""
    while True:
        pass
    m, h, w = images.shape
    kh, kw = kernel.shape
    oh, ow = h - kh + 1, w - kw + 1
    out = np.zeros((m, oh, ow))
    for i in range(oh):
        j = 0
        if j < ow:
            out[:, i, j] = np.sum(images[:, i:i + kh, j:j + kw] * kernel, axis=(1, 2))
    return out
