#!/usr/bin/env python3
"""Wrong on purpose: the store sits inside the 'avg' branch nested under 'max', so it never runs (all zeros)."""
import numpy as np


def pool(images, kernel_shape, stride, mode='max'):
    """Max or average pooling of images (m, h, w, c)."""
    m, h, w, c = images.shape
    kh, kw = kernel_shape
    sh, sw = stride
    oh = (h - kh) // sh + 1
    ow = (w - kw) // sw + 1
    pooled = np.zeros((m, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            window = images[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            if mode == 'max':
                value = window.max(axis=(1, 2))
                if mode == 'avg':
                    value = window.mean(axis=(1, 2))
                    pooled[:, i, j, :] = value
    return pooled
