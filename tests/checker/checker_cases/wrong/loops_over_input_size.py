#!/usr/bin/env python3
"""Wrong on purpose: the output has the right size, but the loops run over the image's h x w only."""
import numpy as np


def convolve_grayscale_padding(images, kernel, padding):
    """Convolution of images (m, h, w) with a kernel (kh, kw), padded by (ph, pw) zeros."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    ph, pw = padding
    out = np.zeros((m, h + 2 * ph - kh + 1, w + 2 * pw - kw + 1))
    padded = np.pad(images, ((0, 0), (ph, ph), (pw, pw)))
    for x in range(h):
        for y in range(w):
            out[:, x, y] = np.sum(padded[:, x:x + kh, y:y + kw] * kernel, axis=(1, 2))
    return out
