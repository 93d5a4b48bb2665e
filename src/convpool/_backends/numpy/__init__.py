"""How the work is done. Only checked arguments reach this package.

``correlate`` computes a batched multi-channel cross-correlation by one of
three methods (``direct`` tap loop, ``gemm``, ``fft``; ``choose`` holds the
cost model behind ``method='auto'``) and ``pool_windows`` a batched pooling;
both work block by block over the batch, and an image too big for a block
tile by tile (``tiles``), on a thread pool, so memory stays bounded whatever
the batch and image sizes.
"""

from .choose import METHODS, choose_method, correlate, estimate_costs
from .pooling import pool_windows
from .threads import THREADS_ENV, default_threads

__all__ = ["METHODS", "THREADS_ENV", "choose_method", "correlate", "default_threads", "estimate_costs", "pool_windows"]
