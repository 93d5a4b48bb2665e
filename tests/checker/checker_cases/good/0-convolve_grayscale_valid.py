#!/usr/bin/env python3
"""A student-style valid convolution: two loops over the output, vectorised over the batch."""
import numpy as np


def convolve_grayscale_valid(images, kernel):
    """Valid convolution of images (m, h, w) with a kernel (kh, kw)."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    oh, ow = h - kh + 1, w - kw + 1
    out = np.zeros((m, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = np.sum(images[:, i:i + kh, j:j + kw] * kernel, axis=(1, 2))
    return out
