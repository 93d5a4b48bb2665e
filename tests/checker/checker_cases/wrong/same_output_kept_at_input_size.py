#!/usr/bin/env python3
"""Wrong on purpose: 'same' pads ((h - 1) * sh + kh - h) // 2 + 1 on each side and keeps an h x w output
("same size as the input"), filled from the top left of the padded image whatever the stride."""
import numpy as np


def convolve_channels(images, kernel, padding='same', stride=(1, 1)):
    """Convolution of images (m, h, w, c) with one kernel (kh, kw, c)."""
    m, h, w, _ = images.shape
    kh, kw, _ = kernel.shape
    sh, sw = stride
    if padding == 'same':
        ph = ((h - 1) * sh + kh - h) // 2 + 1
        pw = ((w - 1) * sw + kw - w) // 2 + 1
        oh, ow = h, w  # same size as the input
    else:
        ph, pw = (0, 0) if padding == 'valid' else padding
        oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    padded = np.pad(images, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    out = np.zeros((m, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = np.sum(padded[:, i * sh:i * sh + kh, j * sw:j * sw + kw] * kernel, axis=(1, 2, 3))
    return out
