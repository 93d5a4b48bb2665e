#!/usr/bin/env python3
"""Hostile on purpose: three nested loops hidden in a string given to exec."""
import numpy as np

_BODY = """
for n in range(m):
    for i in range(oh):
        for j in range(ow):
            out[n, i, j] = np.sum(padded[n, i * sh:i * sh + kh, j * sw:j * sw + kw] * kernel)
"""


def convolve_grayscale(images, kernel, padding='same', stride=(1, 1)):
    """Convolution of images (m, h, w) with a kernel (kh, kw), loops in a string."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    sh, sw = stride
    if padding == 'same':
        ph = max((-(-h // sh) - 1) * sh + kh - h, 0)
        pw = max((-(-w // sw) - 1) * sw + kw - w, 0)
        pads = ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2))
    elif padding == 'valid':
        pads = ((0, 0), (0, 0))
    else:
        pads = ((padding[0], padding[0]), (padding[1], padding[1]))
    padded = np.pad(images, ((0, 0),) + pads)
    oh = (padded.shape[1] - kh) // sh + 1
    ow = (padded.shape[2] - kw) // sw + 1
    out = np.zeros((m, oh, ow))
    exec(_BODY)
    return out
