#!/usr/bin/env python3
"""Wrong on purpose: the padding goes at the top and left only."""
import numpy as np


def convolve_grayscale_padding(images, kernel, padding):
    """Convolution of images (m, h, w) with a kernel (kh, kw), padding (ph, pw)."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    ph, pw = padding
    padded = np.pad(images, ((0, 0), (ph, 0), (pw, 0)))
    oh, ow = h + ph - kh + 1, w + pw - kw + 1
    out = np.zeros((m, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = np.sum(padded[:, i:i + kh, j:j + kw] * kernel, axis=(1, 2))
    return out
