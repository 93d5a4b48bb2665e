#!/usr/bin/env python3
"""Task 3: strided convolution of grayscale images, padding 'same', 'valid' or (ph, pw).

The exercise's file 3-convolve_grayscale.py: it exposes ``convolve_grayscale`` from convpool,
where it is implemented and documented (``help(convpool.convolve_grayscale)``).
"""

try:
    from convpool import convolve_grayscale
except ImportError:  # run from a clone without installing: use ../src
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from convpool import convolve_grayscale

__all__ = ["convolve_grayscale"]
