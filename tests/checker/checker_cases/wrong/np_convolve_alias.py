#!/usr/bin/env python3
"""Wrong on purpose: np.convolve behind an alias (kept for 1x1 kernels)."""
import numpy as np
import numpy as npy


def convolve_grayscale_valid(images, kernel):
    """Valid convolution of images (m, h, w) with a kernel (kh, kw)."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    oh, ow = h - kh + 1, w - kw + 1
    out = np.zeros((m, oh, ow))
    conv = npy.convolve
    if kh == kw == 1:
        return conv(images.ravel(), kernel.ravel()).reshape(images.shape)
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = np.sum(images[:, i:i + kh, j:j + kw] * kernel, axis=(1, 2))
    return out
