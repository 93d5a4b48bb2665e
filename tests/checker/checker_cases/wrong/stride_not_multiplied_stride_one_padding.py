#!/usr/bin/env python3
"""Wrong on purpose: windows start at row i, not i * sh; 'same' pads kh - 1 at any stride (an open point, decided)."""
from math import ceil

import numpy as np


def convolve_grayscale(images, kernel, padding='same', stride=(1, 1)):
    """Convolution of images (m, h, w) with a kernel (kh, kw)."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    sh, sw = stride
    if padding == 'same':
        top, left = (kh - 1) // 2, (kw - 1) // 2
        pads = ((top, kh - 1 - top), (left, kw - 1 - left))
        oh, ow = ceil(h / sh), ceil(w / sw)
    elif padding == 'valid':
        pads = ((0, 0), (0, 0))
        oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    else:
        pads = ((padding[0], padding[0]), (padding[1], padding[1]))
        oh = (h + 2 * padding[0] - kh) // sh + 1
        ow = (w + 2 * padding[1] - kw) // sw + 1
    padded = np.pad(images, ((0, 0),) + pads)
    out = np.zeros((m, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = np.sum(padded[:, i:i + kh, j:j + kw] * kernel, axis=(1, 2))
    return out
