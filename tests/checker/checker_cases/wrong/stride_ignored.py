#!/usr/bin/env python3
"""Wrong on purpose: the stride is never used."""
from math import ceil

import numpy as np


def convolve_grayscale(images, kernel, padding='same', stride=(1, 1)):
    """Convolution of images (m, h, w) with a kernel (kh, kw)."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    sh, sw = stride
    if padding == 'same':
        sh, sw = 1, 1
        ph = max((ceil(h / sh) - 1) * sh + kh - h, 0)
        pw = max((ceil(w / sw) - 1) * sw + kw - w, 0)
        pads = ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2))
    elif padding == 'valid':
        pads = ((0, 0), (0, 0))
    else:
        pads = ((padding[0], padding[0]), (padding[1], padding[1]))
    padded = np.pad(images, ((0, 0),) + pads)
    oh = padded.shape[1] - kh + 1
    ow = padded.shape[2] - kw + 1
    out = np.zeros((m, oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = padded[:, i:i + kh, j:j + kw]
            out[:, i, j] = np.sum(window * kernel, axis=(1, 2))
    return out
