#!/usr/bin/env python3
"""Hostile on purpose: hands in convpool's function as its own."""
from convpool import convolve_grayscale_same  # noqa: F401
