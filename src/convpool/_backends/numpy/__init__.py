"""The NumPy backend: the six operations on a plan, computed by NumPy on host memory.

``correlate``, ``pool``, ``correlate_backward``, ``pool_backward``,
``transpose`` and ``transpose_backward`` take a plan (:mod:`convpool._plan`)
and NumPy arrays, and return NumPy arrays. Small calls take the small-work
path (:mod:`.small`); larger ones the blocked engine: a batched multi-channel
cross-correlation by one of three methods (``direct`` tap loop, ``gemm``,
``fft``; ``choose`` holds the cost model behind ``method='auto'``) and a
batched pooling, block by block over the batch and an image too big for a
block tile by tile (``tiles``), on a thread pool, so memory stays bounded
whatever the batch and image sizes.
"""

from . import backward, forward
from . import transpose as _transpose
from .choose import choose_method, estimate_costs
from .door import LAZY, add_axis, broadcast, meta, prepare
from .threads import THREADS_ENV, default_threads, limits_blas

# every operation holds BLAS's own thread pool to the call's threads= (threads.blas_limited)
correlate, pool = limits_blas(forward.correlate), limits_blas(forward.pool)
correlate_backward, pool_backward = limits_blas(backward.correlate_backward), limits_blas(backward.pool_backward)
transpose, transpose_backward = limits_blas(_transpose.transpose), limits_blas(_transpose.transpose_backward)

__all__ = [
    "LAZY",
    "THREADS_ENV",
    "add_axis",
    "broadcast",
    "meta",
    "prepare",
    "choose_method",
    "correlate",
    "correlate_backward",
    "default_threads",
    "estimate_costs",
    "pool",
    "pool_backward",
    "transpose",
    "transpose_backward",
]
