"""``out=``: a NumPy array the result is written into, checked in full before any work.

As with NumPy's ufuncs, the array given is returned. It must have exactly the
result's shape (in the call's ``layout``) and dtype, be writeable, and share
no memory with any input: a result written over its own input would read
cells it had already overwritten. Only NumPy calls take it (a Dask result is
lazy, another library's lives in that library).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from .._backends import numpy as numpy_backend

__all__ = ["checked_out", "deliver"]


def checked_out(
    out: object, door: ModuleType, shape: tuple[int, ...], dtype: np.dtype, first: bool, inputs: dict, name: str = "out"
) -> np.ndarray | None:
    """``out`` (or ``None``) checked against the result's ``shape`` (channels-last) and ``dtype``."""
    if out is None:
        return None
    if type(out) is not np.ndarray:
        raise TypeError(f"{name} must be a NumPy array (numpy.ndarray) or None, got {type(out).__name__}")
    if door is not numpy_backend:
        raise TypeError(f"{name}= is for NumPy inputs only (a Dask or other library's result is not written in place)")
    if first:
        shape = (shape[0], shape[-1], *shape[1:-1])
    if out.shape != tuple(shape):
        raise ValueError(f"{name} must have the result's shape {tuple(shape)}, got shape {out.shape}")
    if out.dtype != dtype:
        raise ValueError(f"{name} must have the result's dtype {np.dtype(dtype).name}, got {out.dtype.name}")
    if not out.flags.writeable:
        raise ValueError(f"{name} is read-only")
    for input_name, array in inputs.items():
        if isinstance(array, np.ndarray) and np.may_share_memory(out, array):
            raise ValueError(f"{name} shares memory with {input_name}: pass an array of its own")
    return out


def deliver(out: np.ndarray | None, result: Any) -> Any:
    """``result``, written into ``out`` when there is one (and ``out`` returned)."""
    if out is None or result is None:
        return result
    np.copyto(out, result)
    return out
