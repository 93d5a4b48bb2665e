#!/usr/bin/env python3
"""Hostile on purpose: prints 200 MB before it answers."""
import numpy as np

_LINE = "x" * (1 << 20)


def convolve_grayscale_same(images, kernel):
    """Prints a flood, then convolves."""
    for _ in range(200):
        print(_LINE)
    return np.zeros(images.shape)
