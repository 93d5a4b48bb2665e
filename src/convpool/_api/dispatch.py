"""The one door for inputs that are not NumPy arrays.

Every public array function is wrapped by :func:`routed`. For NumPy arrays,
nested lists and scalars the wrapper is a pass-through: the function runs as
written. When one of the function's *routed* arguments (the images, or a
backward pass's ``grad_output``) belongs to another array library, the call
goes to that library's adapter module instead, which must provide::

    call(func, bound: inspect.BoundArguments) -> result

``func`` is the undecorated public function (its ``__wrapped__``): adapters
validate by calling it on a NumPy stand-in with an empty batch (see
:func:`stand_in`), so the error messages and the shape arithmetic are exactly
the eager ones, and then call it again per chunk or per block. Adapters
import their library lazily; this module imports none: it recognises an
array only once the user has imported its library (``sys.modules``).
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from types import ModuleType

import numpy as np

__all__ = ["adapter_for", "routed", "stand_in"]


def _is_dask(value) -> bool:
    dask_array = sys.modules.get("dask.array")
    return dask_array is not None and isinstance(value, dask_array.Array)


#: Libraries whose arrays go to the array-API adapter (``_xp``), by top-level module.
#: PyTorch tensors have no ``__array_namespace__``; JAX arrays live in ``jaxlib``.
_ARRAY_LIBRARIES = ("torch", "jax", "jaxlib", "cupy", "array_api_strict")


def _is_array_api(value) -> bool:
    """An array of another library: NumPy's own arrays, scalars and Python values are not.

    Recognised by its type alone (``__array_namespace__`` or a known library's
    module), so nothing is imported to find out.
    """
    kind = type(value)
    if issubclass(kind, (np.ndarray, np.generic)):
        return False
    root = kind.__module__.split(".")[0]
    return hasattr(kind, "__array_namespace__") or (root in _ARRAY_LIBRARIES and root in sys.modules)


def adapter_for(values) -> ModuleType | None:
    """The adapter module for these argument values, or ``None`` when NumPy handles them."""
    values = list(values)
    if any(_is_dask(v) for v in values):
        from .._backends import dask as _dask

        return _dask
    if any(_is_array_api(v) for v in values):
        from .._backends import xp as _xp

        return _xp
    return None


#: Types that never choose an adapter: a call whose every argument is one of them runs as written.
_PLAIN = frozenset({np.ndarray, int, float, bool, str, tuple, type(None), np.dtype, type})


def routed(*names: str) -> Callable:
    """Decorate a public function so that the arguments ``names`` choose its adapter."""

    def decorate(func: Callable) -> Callable:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if all(type(v) in _PLAIN for v in args) and all(type(v) in _PLAIN for v in kwargs.values()):
                return func(*args, **kwargs)  # NumPy and Python values only: nothing to bind (many small calls)
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError:  # the call itself raises Python's own message, naming the function
                return func(*args, **kwargs)
            adapter = adapter_for(bound.arguments.get(name) for name in names)
            if adapter is None:
                return func(*args, **kwargs)
            bound.apply_defaults()
            wanted = check_wrt(bound.arguments.get("wrt", "both"))  # before the adapter does any work
            if wanted == "both":
                return adapter.call(func, bound)
            # the adapters compute both gradients; the ones not asked for are dropped here, in one place
            bound.arguments["wrt"] = "both"
            return selected_gradients(adapter.call(func, bound), wanted)

        return wrapper

    return decorate


#: ``wrt`` of :func:`convpool.convolve_backward`: which gradients to compute (the other is None).
WRT = ("both", "images", "kernels")


def check_wrt(wrt) -> str:
    """``wrt`` must be one of :data:`WRT`."""
    if not isinstance(wrt, str) or wrt not in WRT:
        raise ValueError(f"wrt must be one of {', '.join(map(repr, WRT))}, got {wrt!r}")
    return wrt


def selected_gradients(grads: tuple, wrt: str) -> tuple:
    """``(grad_images, grad_kernels)`` with the one ``wrt`` (checked) does not ask for replaced by None."""
    return (grads[0] if wrt != "kernels" else None, grads[1] if wrt != "images" else None)


def stand_in(shape, dtype) -> np.ndarray:
    """An empty-batch NumPy array ``(0, *shape[1:])`` of ``dtype``: validation without data.

    The public functions check shapes, dtypes and arguments exactly as for
    real input, and on an empty batch their result costs nothing and has
    the right trailing shape and dtype.
    """
    shape = tuple(shape)
    if not shape:  # a 0-d array has no batch to empty: it stays 0-d, so messages give its real shape
        return np.empty((), dtype=dtype)
    return np.empty((0, *shape[1:]), dtype=dtype)
