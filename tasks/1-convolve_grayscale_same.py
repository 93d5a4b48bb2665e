#!/usr/bin/env python3
"""Task 1: same convolution of grayscale images, zero padded to keep (h, w).

The exercise's file 1-convolve_grayscale_same.py: it exposes ``convolve_grayscale_same`` from convpool,
where it is implemented and documented (``help(convpool.convolve_grayscale_same)``).
"""

try:
    from convpool import convolve_grayscale_same
except ImportError:  # run from a clone without installing: use ../src
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from convpool import convolve_grayscale_same

__all__ = ["convolve_grayscale_same"]
