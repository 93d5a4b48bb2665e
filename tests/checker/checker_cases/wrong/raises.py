#!/usr/bin/env python3
"""Wrong on purpose: tuple padding is not supported."""
from math import ceil

import numpy as np


def convolve_channels(images, kernel, padding='same', stride=(1, 1)):
    """Convolution of images (m, h, w, c) with a kernel (kh, kw, c)."""
    m, h, w, c = images.shape
    kh, kw, _ = kernel.shape
    sh, sw = stride
    if padding == 'same':
        ph = max((ceil(h / sh) - 1) * sh + kh - h, 0)
        pw = max((ceil(w / sw) - 1) * sw + kw - w, 0)
        pads = ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2))
    elif padding == 'valid':
        pads = ((0, 0), (0, 0))
    else:
        raise ValueError('tuple padding is not supported')
        pads = ((padding[0], padding[0]), (padding[1], padding[1]))
    padded = np.pad(images, ((0, 0),) + pads + ((0, 0),))
    oh = (padded.shape[1] - kh) // sh + 1
    ow = (padded.shape[2] - kw) // sw + 1
    out = np.zeros((m, oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = padded[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            out[:, i, j] = np.sum(window * kernel, axis=(1, 2, 3))
    return out
