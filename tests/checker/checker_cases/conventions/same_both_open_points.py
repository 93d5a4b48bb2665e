#!/usr/bin/env python3
"""Both open points of the spec at once: kh - 1 at any stride, the odd row on top (passes, with two notes)."""
import numpy as np


def convolve(images, kernels, padding='same', stride=(1, 1)):
    """Convolution of images (m, h, w, c) with kernels (kh, kw, c, nc)."""
    m, h, w, c = images.shape
    kh, kw, _, nc = kernels.shape
    sh, sw = stride
    if padding == 'same':
        pads = ((kh // 2, (kh - 1) // 2), (kw // 2, (kw - 1) // 2))
    elif padding == 'valid':
        pads = ((0, 0), (0, 0))
    else:
        pads = ((padding[0], padding[0]), (padding[1], padding[1]))
    padded = np.pad(images, ((0, 0),) + pads + ((0, 0),))
    oh = (padded.shape[1] - kh) // sh + 1
    ow = (padded.shape[2] - kw) // sw + 1
    out = np.zeros((m, oh, ow, nc))
    for i in range(oh):
        for j in range(ow):
            for k in range(nc):
                window = padded[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
                out[:, i, j, k] = np.sum(window * kernels[..., k], axis=(1, 2, 3))
    return out
