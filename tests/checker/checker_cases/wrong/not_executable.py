#!/usr/bin/env python3
"""Wrong on purpose: the file is not executable."""
import numpy as np


def pool(images, kernel_shape, stride, mode='max'):
    """Pooling of images (m, h, w, c) with windows kernel_shape and steps stride."""
    m, h, w, c = images.shape
    kh, kw = kernel_shape
    sh, sw = stride
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    reduce = np.max if mode == 'max' else np.mean
    out = np.zeros((m, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            window = images[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            out[:, i, j, :] = reduce(window, axis=(1, 2))
    return out
