"""The NumPy backend: the six operations on a plan, computed by NumPy on host memory.

``correlate``, ``pool``, ``correlate_backward``, ``pool_backward``,
``transpose`` and ``transpose_backward`` take a plan (:mod:`convpool._plan`)
and NumPy arrays, and return NumPy arrays. Small calls take the small-work
path (:mod:`.small`); larger ones the blocked engine: a batched multi-channel
cross-correlation by one of three methods (``direct`` tap loop, ``gemm``,
``fft``; ``choose`` holds the cost model behind ``method='auto'``) and a
batched pooling, block by block over the batch and an image too big for a
block tile by tile (``tiles``), on a thread pool, so memory stays bounded
whatever the batch and image sizes. Signals and volumes (one, three or more
spatial axes) are computed as 2-D calls (:mod:`.ranks`).
"""

from . import ranks
from .adaptive import adaptive_pool, adaptive_pool_backward, adaptive_winners
from .choose import choose_method, estimate_costs
from .door import LAZY, add_axis, broadcast, meta, permute, prepare
from .threads import THREADS_ENV, default_threads, limits_blas
from .winners import pool_winners, unpool, unpool_backward

# every operation holds BLAS's own thread pool to the call's threads= (threads.blas_limited)
correlate, pool = limits_blas(ranks.correlate), limits_blas(ranks.pool)
correlate_backward, pool_backward = limits_blas(ranks.correlate_backward), limits_blas(ranks.pool_backward)
transpose, transpose_backward = limits_blas(ranks.transpose), limits_blas(ranks.transpose_backward)

__all__ = [
    "LAZY",
    "adaptive_pool",
    "adaptive_pool_backward",
    "adaptive_winners",
    "THREADS_ENV",
    "add_axis",
    "broadcast",
    "meta",
    "permute",
    "prepare",
    "choose_method",
    "correlate",
    "correlate_backward",
    "default_threads",
    "estimate_costs",
    "pool",
    "pool_backward",
    "pool_winners",
    "unpool",
    "unpool_backward",
    "transpose",
    "transpose_backward",
]
