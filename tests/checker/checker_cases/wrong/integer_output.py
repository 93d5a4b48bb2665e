#!/usr/bin/env python3
"""Wrong on purpose: the output takes the images' dtype."""
import numpy as np


def convolve_grayscale_valid(images, kernel):
    """Valid convolution of images (m, h, w) with a kernel (kh, kw)."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    oh, ow = h - kh + 1, w - kw + 1
    out = np.zeros((m, oh, ow), dtype=images.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = np.sum(images[:, i:i + kh, j:j + kw] * kernel, axis=(1, 2))
    return out
