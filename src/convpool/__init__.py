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
from .shapes import AxisGeometry, conv_geometry, conv_output_shape, conv_padding, conv_transpose_output_shape
from .transpose import convolve_transpose, convolve_transpose_backward

__version__ = "0.1.0"

__all__ = [
    "AxisGeometry",
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
    "__version__",
]
