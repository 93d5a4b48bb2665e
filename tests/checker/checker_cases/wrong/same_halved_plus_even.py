#!/usr/bin/env python3
"""Wrong on purpose: 'same' pads ((h - 1) * sh + kh - h) // 2, plus one for an even kernel, on each side."""
import numpy as np


def convolve_channels(images, kernel, padding='same', stride=(1, 1)):
    """Convolution of images (m, h, w, c) with one kernel (kh, kw, c)."""
    m, h, w, _ = images.shape
    kh, kw, _ = kernel.shape
    sh, sw = stride
    if padding == 'valid':
        top, left = 0, 0
    elif padding == 'same':
        # an even kernel "needs one more", so add it to the halved total
        top = ((h - 1) * sh + kh - h) // 2 + int(kh % 2 == 0)
        left = ((w - 1) * sw + kw - w) // 2 + int(kw % 2 == 0)
    else:
        top, left = padding
    padded = np.pad(images, ((0, 0), (top, top), (left, left), (0, 0)))
    rows = (padded.shape[1] - kh) // sh + 1
    cols = (padded.shape[2] - kw) // sw + 1
    result = np.zeros((m, rows, cols))
    for r in range(rows):
        for c in range(cols):
            patch = padded[:, r * sh:r * sh + kh, c * sw:c * sw + kw, :]
            result[:, r, c] = (patch * kernel).sum(axis=(1, 2, 3))
    return result
