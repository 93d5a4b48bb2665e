#!/usr/bin/env python3
"""Hostile on purpose: sends SIGTERM to its parent and to its process group."""
import os
import signal

import numpy as np


def convolve(images, kernels, padding='same', stride=(1, 1)):
    """Signals its parent, then returns zeros."""
    for pid in (os.getppid(),):
        try:
            os.kill(pid, signal.SIGTERM)
            os.killpg(os.getpgid(pid), signal.SIGTERM)
        except OSError:
            pass
    return np.zeros(images.shape[:3] + kernels.shape[3:])
