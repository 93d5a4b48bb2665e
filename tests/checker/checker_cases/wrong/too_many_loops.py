#!/usr/bin/env python3
"""Wrong on purpose: a third loop, over the images."""
import numpy as np


def convolve_grayscale_valid(images, kernel):
    """Valid convolution of images (m, h, w) with a kernel (kh, kw)."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    oh, ow = h - kh + 1, w - kw + 1
    out = np.zeros((m, oh, ow))
    for n in range(m):
        for i in range(oh):
            for j in range(ow):
                out[n, i, j] = np.sum(images[n, i:i + kh, j:j + kw] * kernel)
    return out
