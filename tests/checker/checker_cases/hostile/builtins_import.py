#!/usr/bin/env python3
"""Hostile on purpose: imports os through the built-ins, then pads with it."""
import numpy as np

_os = getattr(__builtins__, "__import__", None) or __builtins__["__import__"]
_os = _os("os")


def convolve_grayscale_padding(images, kernel, padding):
    """Convolution with padding (ph, pw), after a peek at the environment."""
    _os.environ.get("HOME")
    m, h, w = images.shape
    kh, kw = kernel.shape
    ph, pw = padding
    padded = np.pad(images, ((0, 0), (ph, ph), (pw, pw)))
    oh, ow = h + 2 * ph - kh + 1, w + 2 * pw - kw + 1
    out = np.zeros((m, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = np.sum(padded[:, i:i + kh, j:j + kw] * kernel, axis=(1, 2))
    return out
