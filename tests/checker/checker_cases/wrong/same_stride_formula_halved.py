#!/usr/bin/env python3
"""Wrong on purpose: 'same' pads ((h - 1) * sh + kh - h) // 2 on each side."""
from math import ceil

import numpy as np


def convolve_grayscale(images, kernel, padding='same', stride=(1, 1)):
    """Convolution of images (m, h, w) with a kernel (kh, kw)."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    sh, sw = stride
    if padding == 'same':
        ph = ((h - 1) * sh + kh - h) // 2
        pw = ((w - 1) * sw + kw - w) // 2
        pads = ((ph, ph), (pw, pw))
    elif padding == 'valid':
        pads = ((0, 0), (0, 0))
    else:
        pads = ((padding[0], padding[0]), (padding[1], padding[1]))
    padded = np.pad(images, ((0, 0),) + pads)
    oh = (padded.shape[1] - kh) // sh + 1
    ow = (padded.shape[2] - kw) // sw + 1
    out = np.zeros((m, oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = padded[:, i * sh:i * sh + kh, j * sw:j * sw + kw]
            out[:, i, j] = np.sum(window * kernel, axis=(1, 2))
    return out
