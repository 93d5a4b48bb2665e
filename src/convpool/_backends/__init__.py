"""The backends: ``numpy``, ``dask`` and ``xp`` (arrays of other libraries), each the six operations on a plan.

This package's own module only recognises arrays by their type, for the
public layer's choice of backend and for the backends' doors; it imports no
optional library (an array is recognised only once the user has imported its
library: ``sys.modules``).
"""

from __future__ import annotations

import sys

import numpy as np

__all__ = ["is_dask", "is_foreign", "selected"]


def is_dask(value) -> bool:
    dask_array = sys.modules.get("dask.array")
    return dask_array is not None and isinstance(value, dask_array.Array)


#: Libraries whose arrays go to the array-API backend, by top-level module.
#: PyTorch tensors have no ``__array_namespace__``; JAX arrays live in ``jaxlib``.
_ARRAY_LIBRARIES = ("torch", "jax", "jaxlib", "cupy", "array_api_strict")


def is_foreign(value) -> bool:
    """An array of another library: NumPy's own arrays, scalars and Python values are not.

    Recognised by its type alone (``__array_namespace__`` or a known library's module).
    """
    kind = type(value)
    if issubclass(kind, (np.ndarray, np.generic)):
        return False
    root = kind.__module__.split(".")[0]
    return hasattr(kind, "__array_namespace__") or (root in _ARRAY_LIBRARIES and root in sys.modules)


def selected(grads: tuple, wrt: str) -> tuple:
    """``(grad_images, grad_kernels)`` with the one ``wrt`` does not ask for replaced by ``None``.

    For backends (and engine paths) that compute both gradients at once.
    """
    return (grads[0] if wrt != "kernels" else None), (grads[1] if wrt != "images" else None)
