#!/usr/bin/env python3
"""Task 5: convolution of images (m, h, w, c) with kernels (kh, kw, c, nc).

The exercise's file 5-convolve.py: it exposes ``convolve`` from convpool,
where it is implemented and documented (``help(convpool.convolve)``).
"""

try:
    from convpool import convolve
except ImportError:  # run from a clone without installing: use ../src
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from convpool import convolve

__all__ = ["convolve"]
