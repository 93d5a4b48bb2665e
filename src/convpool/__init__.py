"""convpool: 2-D convolution (cross-correlation) and pooling over batches of images, in NumPy."""

from . import kernels
from .conv import (
    convolve,
    convolve_channels,
    convolve_grayscale,
    convolve_grayscale_padding,
    convolve_grayscale_same,
    convolve_grayscale_valid,
)
from .grad import convolve_backward, pool_backward
from .lazy import DaskPlan, dask_plan
from .pool import pool
from .shapes import AxisGeometry, conv_geometry, conv_output_shape, conv_padding

__version__ = "0.1.0"

__all__ = [
    "AxisGeometry",
    "DaskPlan",
    "conv_geometry",
    "conv_output_shape",
    "conv_padding",
    "convolve",
    "convolve_backward",
    "convolve_channels",
    "convolve_grayscale",
    "convolve_grayscale_padding",
    "convolve_grayscale_same",
    "convolve_grayscale_valid",
    "dask_plan",
    "kernels",
    "pool",
    "pool_backward",
    "__version__",
]
