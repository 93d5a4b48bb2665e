#!/usr/bin/env python3
"""Task 0: valid convolution of grayscale images (m, h, w) with a kernel (kh, kw).

The exercise's file 0-convolve_grayscale_valid.py: it exposes ``convolve_grayscale_valid`` from convpool,
where it is implemented and documented (``help(convpool.convolve_grayscale_valid)``).
"""

try:
    from convpool import convolve_grayscale_valid
except ImportError:  # run from a clone without installing: use ../src
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from convpool import convolve_grayscale_valid

__all__ = ["convolve_grayscale_valid"]
