#!/usr/bin/env python3
"""Hostile on purpose: an error message that clears the screen and draws a fake PASS."""


def convolve_grayscale_padding(images, kernel, padding):
    """Raises with terminal control codes in its message."""
    raise ValueError("\x1b[2J\x1b[H\x1b[32m2-convolve_grayscale_padding.py  PASS\x1b[0m\r\x07")
