"""convpool: convolution (cross-correlation) and pooling over batches of images, signals and volumes, in NumPy."""

from . import kernels
from ._api.adaptive import adaptive_pool, adaptive_pool_backward
from ._api.conv import (
    convolve,
    convolve_channels,
    convolve_grayscale,
    convolve_grayscale_padding,
    convolve_grayscale_same,
    convolve_grayscale_valid,
)
from ._api.grad import convolve_backward, pool_backward
from ._api.lazy import DaskPlan, dask_plan
from ._api.pool import pool
from ._api.shapes import AxisGeometry, conv_geometry, conv_output_shape, conv_padding, conv_transpose_output_shape
from ._api.transpose import convolve_transpose, convolve_transpose_backward
from ._api.unpool import unpool, unpool_backward

__version__ = "0.1.0"

__all__ = [
    "AxisGeometry",
    "adaptive_pool",
    "adaptive_pool_backward",
    "DaskPlan",
    "conv_geometry",
    "conv_output_shape",
    "conv_padding",
    "conv_transpose_output_shape",
    "convolve",
    "convolve_backward",
    "convolve_channels",
    "convolve_grayscale",
    "convolve_grayscale_padding",
    "convolve_grayscale_same",
    "convolve_grayscale_valid",
    "convolve_transpose",
    "convolve_transpose_backward",
    "dask_plan",
    "kernels",
    "pool",
    "pool_backward",
    "unpool",
    "unpool_backward",
    "__version__",
]
