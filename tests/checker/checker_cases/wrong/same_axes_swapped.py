#!/usr/bin/env python3
"""Wrong on purpose: 'same' pads the rows with kw // 2 and the columns with kh // 2 (the axes mixed up)."""
import numpy as np


def convolve_grayscale_same(images, kernel):
    """Same convolution of images (m, h, w) with a kernel (kh, kw)."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    ph, pw = (kw - 1) // 2, (kh - 1) // 2
    padded = np.pad(images, ((0, 0), (ph, kw - 1 - ph), (pw, kh - 1 - pw)))
    oh, ow = padded.shape[1] - kh + 1, padded.shape[2] - kw + 1
    out = np.zeros((m, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = np.sum(padded[:, i:i + kh, j:j + kw] * kernel, axis=(1, 2))
    return out
