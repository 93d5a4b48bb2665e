#!/usr/bin/env python3
"""Wrong on purpose: 'same' pads kh // 2 on each side."""
import numpy as np


def convolve_grayscale_same(images, kernel):
    """Same convolution of images (m, h, w) with a kernel (kh, kw)."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    ph, pw = kh // 2, kw // 2
    padded = np.pad(images, ((0, 0), (ph, ph), (pw, pw)))
    oh = padded.shape[1] - kh + 1
    ow = padded.shape[2] - kw + 1
    out = np.zeros((m, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = np.sum(padded[:, i:i + kh, j:j + kw] * kernel, axis=(1, 2))
    return out
