#!/usr/bin/env python3
"""Wrong on purpose: an output shape computed from the wrong sizes, far too big."""
import numpy as np


def convolve_grayscale_valid(images, kernel):
    """Valid convolution of images (m, h, w) with a kernel (kh, kw)."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    return np.zeros((m, h * 1000, w * 1000))
