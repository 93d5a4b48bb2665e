"""How the work is done. Only checked arguments reach this package.

``correlate`` computes a batched multi-channel cross-correlation and
``pool_windows`` a batched pooling; both work block by block over the batch so
memory stays bounded whatever the batch size.
"""

from .direct import correlate
from .pooling import pool_windows

__all__ = ["correlate", "pool_windows"]
