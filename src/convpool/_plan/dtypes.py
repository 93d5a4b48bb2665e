"""The floating dtype of a result: what convpool computes in and returns, from the inputs' dtypes or ``dtype=``.

One home for the rule (float32 stays float32, integers and bools give float64,
float16 computes in float32), used by every plan's checks.
"""

from __future__ import annotations

import numpy as np


def result_dtype(*dtypes) -> np.dtype:
    """Floating dtype of a convolution or average: float32 stays float32.

    The widest floating dtype among the inputs wins; integer and bool inputs
    do not widen it (float32 images with an integer kernel give float32, as
    in PyTorch). With no floating input the result is float64, so an integer
    sum never wraps. float16 is accumulated and returned in float32.
    """
    floats = [np.dtype(d) for d in dtypes if np.dtype(d).kind == "f"]
    if not floats:
        return np.dtype(np.float64)
    dtype = np.result_type(*floats)
    if dtype.itemsize < 4:
        return np.dtype(np.float32)
    return dtype


#: What ``dtype=`` accepts besides ``None``.
COMPUTE_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def compute_dtype(dtype, *dtypes) -> np.dtype:
    """The ``dtype=`` argument checked: float32 or float64; ``None`` gives :func:`result_dtype` of ``dtypes``."""
    if dtype is None:
        return result_dtype(*dtypes)
    try:
        wanted = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be numpy.float32, numpy.float64 or None, got {dtype!r}") from None
    if wanted not in COMPUTE_DTYPES:
        raise ValueError(
            f"dtype must be float32 or float64 (the floating type the work is done in and returned) "
            f"or None (float32 for float32 input, else float64), got {wanted}"
        )
    return wanted
