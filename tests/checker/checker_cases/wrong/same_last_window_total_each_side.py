#!/usr/bin/env python3
"""Wrong on purpose: 'same' puts max(ceil((h - 1) / sh) * sh + kh - h, 0) on each side (the total, not halved)."""
import numpy as np


def convolve_grayscale(images, kernel, padding='same', stride=(1, 1)):
    """Convolution of grayscale images (m, h, w) with a kernel (kh, kw)."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    sh, sw = stride
    if padding == 'same':
        steps_h = int(np.ceil((h - 1) / sh))
        steps_w = int(np.ceil((w - 1) / sw))
        ph = max(steps_h * sh + kh - h, 0)
        pw = max(steps_w * sw + kw - w, 0)
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
            out[:, i, j] = np.sum(padded[:, i * sh:i * sh + kh, j * sw:j * sw + kw] * kernel, axis=(1, 2))
    return out
