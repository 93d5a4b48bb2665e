#!/usr/bin/env python3
"""Wrong on purpose: pads (kh - 1) // 2 on each side but keeps an h x w output, so for an even kernel the
last windows run off the padded image (NumPy cuts them short and broadcasts a one-row window)."""
import numpy as np


def convolve_grayscale_same(images, kernel):
    """Same convolution of images (m, h, w) with a kernel (kh, kw)."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    top, left = (kh - 1) // 2, (kw - 1) // 2
    padded = np.pad(images, ((0, 0), (top, top), (left, left)), mode='constant')
    out = np.zeros((m, h, w))  # 'same': the output is as big as the image
    for i in range(h):
        for j in range(w):
            out[:, i, j] = np.sum(padded[:, i:i + kh, j:j + kw] * kernel, axis=(1, 2))
    return out
