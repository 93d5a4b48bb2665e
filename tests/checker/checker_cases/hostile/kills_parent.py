#!/usr/bin/env python3
"""Hostile on purpose: kills the process that runs it, then its process group, then answers wrongly."""
import os
import signal

import numpy as np


def convolve_channels(images, kernel, padding='same', stride=(1, 1)):
    """Kills its parent, then returns zeros."""
    for target in (os.getppid(),):
        try:
            os.kill(target, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.killpg(os.getpgid(os.getppid()), signal.SIGTERM)
    except OSError:
        pass
    return np.zeros(images.shape[:3])
