#!/usr/bin/env python3
"""Task 6: max or average pooling of images (m, h, w, c).

The exercise's file 6-pool.py: it exposes ``pool`` from convpool,
where it is implemented and documented (``help(convpool.pool)``).
"""

try:
    from convpool import pool
except ImportError:  # run from a clone without installing: use ../src
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from convpool import pool

__all__ = ["pool"]
