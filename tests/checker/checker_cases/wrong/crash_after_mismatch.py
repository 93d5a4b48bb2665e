#!/usr/bin/env python3
"""Wrong on purpose, twice: the +1 'same' formula, and 'same' at a stride above 1 crashes (unpacks the string)."""
import numpy as np


def convolve_grayscale(images, kernel, padding='same', stride=(1, 1)):
    """Convolution of images (m, h, w) with a kernel (kh, kw)."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    sh, sw = stride
    if padding == 'same' and stride == (1, 1):
        ph = ((h - 1) * sh + kh - h) // 2 + 1
        pw = ((w - 1) * sw + kw - w) // 2 + 1
    elif padding == 'valid':
        ph, pw = 0, 0
    else:
        ph, pw = padding
    padded = np.pad(images, ((0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - kh) // sh + 1
    ow = (w + 2 * pw - kw) // sw + 1
    out = np.zeros((m, oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = padded[:, i * sh:i * sh + kh, j * sw:j * sw + kw]
            out[:, i, j] = np.sum(window * kernel, axis=(1, 2))
    return out
