#!/usr/bin/env python3
"""Hostile on purpose: forks 100 processes (each sleeps 30 s) before it answers."""
import os
import time

import numpy as np


def convolve_grayscale(images, kernel, padding='same', stride=(1, 1)):
    """Forks, then returns zeros."""
    for _ in range(100):
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
    return np.zeros(images.shape)
