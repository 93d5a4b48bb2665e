#!/usr/bin/env python3
"""Task 4: convolution of images (m, h, w, c) with one kernel (kh, kw, c).

The exercise's file 4-convolve_channels.py: it exposes ``convolve_channels`` from convpool,
where it is implemented and documented (``help(convpool.convolve_channels)``).
"""

try:
    from convpool import convolve_channels
except ImportError:  # run from a clone without installing: use ../src
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from convpool import convolve_channels

__all__ = ["convolve_channels"]
