#!/usr/bin/env python3
"""Hostile on purpose: leaves a forked child and a setsid grandchild running (sleep 987651, 987652)."""
import os
import subprocess

import numpy as np

subprocess.Popen(["sleep", "987651"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:
    os.setsid()
    os.execvp("sleep", ["sleep", "987652"])


def convolve(images, kernels, padding='same', stride=(1, 1)):
    """Returns zeros of the right size for 'same' at stride 1."""
    return np.zeros(images.shape[:3] + kernels.shape[3:])
