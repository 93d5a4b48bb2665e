"""The one choice of backend: by the types of a call's batch arrays, never by the function called.

:func:`backend_for` returns the backend module that computes a call: NumPy
for NumPy arrays, nested lists and scalars; Dask for ``dask.array.Array``
batches; the array-API backend for arrays of other libraries (PyTorch, JAX,
CuPy, ``array_api_strict``). Every backend offers the same door
(``prepare``, ``meta``, ``add_axis``, ``permute``, ``LAZY``) and the same six operations
on a plan (``correlate``, ``pool``, ``correlate_backward``, ``pool_backward``,
``transpose``, ``transpose_backward``), with those of adaptive pooling and
unpooling beside them (``adaptive_pool``, ``adaptive_winners``,
``adaptive_pool_backward``, ``pool_winners``, ``unpool``, ``unpool_backward``;
off the host the array-API backend refuses these). Backends of optional libraries are
imported lazily: an array is recognised only once the user has imported its
library (``sys.modules``), so nothing is imported to find out.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from .._backends import is_dask, is_foreign
from .._backends import numpy as numpy_backend
from .._plan import checks as check

__all__ = ["WRT", "backend_for", "check_wrt", "is_dask", "is_foreign", "prepared"]


def backend_for(*batches: object) -> ModuleType:
    """The backend for a call whose batch arguments (images, ``grad_output``) are ``batches``."""
    if all(type(b) is np.ndarray for b in batches):
        return numpy_backend  # the common case, decided without a look at sys.modules
    if any(is_dask(b) for b in batches):
        from .._backends import dask

        return dask
    if any(is_foreign(b) for b in batches):
        from .._backends import xp

        return xp
    return numpy_backend


#: ``wrt`` of :func:`convpool.convolve_backward`: which gradients to compute (the other is None).
WRT = ("both", "images", "kernels")


def check_wrt(wrt: object) -> str:
    """``wrt`` must be one of :data:`WRT`."""
    if not isinstance(wrt, str) or wrt not in WRT:
        raise ValueError(f"wrt must be one of {', '.join(map(repr, WRT))}, got {wrt!r}")
    return wrt


def prepared(door: ModuleType, *specs: tuple[Any, str, int, str]) -> list[Any]:
    """Each ``(value, name, ndim, layout)`` through ``door``, checked numeric with ``ndim`` axes, in order.

    Returns ``[array, shape, array, shape, ...]``: the forms of ``convolve`` check their own ranks this way.
    """
    found: list = []
    for value, name, ndim, layout in specs:
        array = door.prepare(value, name, layout)
        shape, dtype = door.meta(array)
        check.array_meta(shape, dtype, name, ndim, layout)
        found += [array, shape]
    return found
