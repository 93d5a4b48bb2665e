#!/usr/bin/env python3
"""Task 2: convolution of grayscale images with custom zero padding (ph, pw).

The exercise's file 2-convolve_grayscale_padding.py: it exposes ``convolve_grayscale_padding`` from convpool,
where it is implemented and documented (``help(convpool.convolve_grayscale_padding)``).
"""

try:
    from convpool import convolve_grayscale_padding
except ImportError:  # run from a clone without installing: use ../src
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from convpool import convolve_grayscale_padding

__all__ = ["convolve_grayscale_padding"]
