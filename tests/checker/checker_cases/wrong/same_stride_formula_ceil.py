#!/usr/bin/env python3
"""Wrong on purpose: 'same' pads ceil(((h - 1) * sh + kh - h) / 2) on each side."""
from math import ceil

import numpy as np


def convolve_channels(images, kernel, padding='same', stride=(1, 1)):
    """Convolution of images (m, h, w, c) with a kernel (kh, kw, c)."""
    m, h, w, c = images.shape
    kh, kw, _ = kernel.shape
    sh, sw = stride
    if padding == 'same':
        ph = ceil(((h - 1) * sh + kh - h) / 2)
        pw = ceil(((w - 1) * sw + kw - w) / 2)
    elif padding == 'valid':
        ph, pw = 0, 0
    else:
        ph, pw = padding
    padded = np.pad(images, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    oh = (h + 2 * ph - kh) // sh + 1
    ow = (w + 2 * pw - kw) // sw + 1
    out = np.zeros((m, oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = padded[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            out[:, i, j] = np.sum(window * kernel, axis=(1, 2, 3))
    return out
