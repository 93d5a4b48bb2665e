"""Adapter for arrays of other libraries (PyTorch, JAX, CuPy, ``array_api_strict``, ...).

:func:`convpool._api.dispatch.routed` hands a call here when its images (or a
backward pass's ``grad_output``) belong to a library that implements the
array API standard. The result is an array of the same library on the same
device. Three paths, chosen per call (rules and measurements in
``docs/arrays.md``):

``host``
    Arrays in host memory (PyTorch and JAX CPU arrays outside ``jit``,
    ``array_api_strict`` on its CPU device) are viewed as NumPy arrays without
    a copy, run through the NumPy engine, and the result is handed back.
``native``
    The library's own kernels where they provably compute convpool's
    semantics (:mod:`._native`): PyTorch ``conv2d`` / pooling on accelerators,
    ``lax.conv_general_dilated`` / ``lax.reduce_window`` for JAX under ``jit``.
``core``
    The array-API core (:mod:`._core`, :mod:`._core_grad`): only standard
    functions, the reference for every backend and the path for everything
    else (CuPy, other devices, backward passes off the host).

Every path first validates on NumPy stand-ins (:func:`convpool._api.dispatch.stand_in`)
so the errors are exactly the NumPy ones, raised before any work.
"""

from __future__ import annotations

import contextlib
import inspect

import numpy as np

from ..._api import dispatch as _dispatch
from . import arrays

__all__ = ["call", "forced"]

#: Argument names that hold arrays; the first two choose the adapter.
_ARRAYS = ("grad_output", "images", "kernels", "kernel")
_BATCHED = ("grad_output", "images")

#: Path forced by :func:`forced` (tests and benchmarks only), else ``None``.
_FORCED: str | None = None


@contextlib.contextmanager
def forced(path: str):
    """Run every call in this block through ``path`` ('host', 'native' or 'core'); for tests and benchmarks.

    'native' still falls back to the core where no native kernel computes
    convpool's semantics (see :func:`._native.supports`).
    """
    global _FORCED
    if path not in ("host", "native", "core"):
        raise ValueError(f"path must be 'host', 'native' or 'core', got {path!r}")
    previous, _FORCED = _FORCED, path
    try:
        yield
    finally:
        _FORCED = previous


def call(func, bound: inspect.BoundArguments):
    """Run the public function ``func`` on the arrays in ``bound``; the result in their library and device."""
    where, _ = _home_of(bound)
    path = _FORCED or _default_path(func.__name__, bound, where)
    if path == "host" and where.traced:
        path = "native"  # tracers have no values to copy
    if path == "host":
        if where.library == "jax":
            _check_result_dtypes(_validate(func, bound), where)
        return _on_host(func, bound, where)
    result = _validate(func, bound)
    _check_result_dtypes(result, where)
    values = {name: _library_value(bound.arguments[name], where) for name in _present(bound)}
    from ._run import run, run_jax_compiled

    if where.library == "jax" and not where.traced:
        return run_jax_compiled(func.__name__, bound, values, result, where, path)
    return run(func.__name__, bound, values, result, where, path)


#: On the CPU, PyTorch's own float32 convolution (oneDNN) beats the NumPy engine
#: from this many kernel weights per tap (``c * nc``) on; below, and for float64,
#: pooling and the backward passes, the engine on zero-copy views is faster
#: (measured with benchmarks/bench_arrays.py, see docs/arrays.md).
CPU_NATIVE_WEIGHTS = 16

_CONVOLUTIONS = ("convolve", "convolve_channels")

#: Functions only the NumPy engine computes (on host memory); off the host they are refused.
_ENGINE_ONLY = ("convolve_transpose", "convolve_transpose_backward")


def _default_path(name: str, bound, where: arrays.Home) -> str:
    """'host' for host memory (but 'native' for wide float32 PyTorch convolutions), else 'native'."""
    if not arrays.on_cpu(where):
        return "native"
    if bound.arguments.get("groups", 1) != 1 or name in _ENGINE_ONLY:  # the core and natives refuse them
        return "host"
    if where.library != "torch" or name not in _CONVOLUTIONS:
        return "host"
    images, kernels = bound.arguments["images"], bound.arguments.get("kernels", bound.arguments.get("kernel"))
    try:
        dtypes = [arrays.numpy_dtype(v, "images") if _is_foreign(v) else np.asarray(v).dtype for v in (images, kernels)]
        nc = np.shape(kernels)[3] if name == "convolve" else 1
        wide = images.shape[3] * nc >= CPU_NATIVE_WEIGHTS
    except (TypeError, ValueError, IndexError):
        return "host"  # malformed: the engine's checks say what is wrong
    floats = [d for d in dtypes if d.kind == "f"]
    return "native" if wide and floats and all(d == np.float32 for d in floats) else "host"


def _present(bound) -> list[str]:
    return [name for name in _ARRAYS if name in bound.arguments]


def _is_foreign(value) -> bool:
    return _dispatch._is_array_api(value) or _dispatch._is_dask(value)


def _home_of(bound) -> tuple[arrays.Home, str]:
    """The library and device of the call, and the argument that set them.

    Every array of another library must share them: a different library is a
    ``TypeError``, a different device a ``ValueError`` (convpool never moves
    data between devices on its own). NumPy arrays and lists are converted
    later, by the documented rule (see :func:`_library_value`).
    """
    where = first = None
    for name in _present(bound):
        value = bound.arguments[name]
        if not _is_foreign(value):
            continue
        here = arrays.home(value, name)
        arrays.refuse_autograd(value, name)
        if where is None:
            where, first = here, name
        elif here.xp is not where.xp:
            raise TypeError(
                f"{name} is a {here.library} array but {first} is a {where.library} array; convpool does not "
                f"convert between libraries: convert {name} to {where.library} first"
            )
        elif not (here.traced or where.traced) and here.device != where.device:
            raise ValueError(
                f"{name} is on device {here.device} but {first} is on device {where.device}; convpool never "
                f"moves data between devices: move {name} to {where.device} first"
            )
    if where is None:  # NumPy arrays only: a test calling the adapter directly, to run the core on NumPy
        from array_api_compat import numpy as xp

        where, first = arrays.Home(xp, "cpu", "numpy", False), "images"
    return where, first


def _stand_ins(bound, full: bool) -> inspect.BoundArguments:
    """``bound`` with every foreign array replaced by NumPy metadata of its shape and dtype.

    Batched arrays get an empty batch (:func:`_dispatch.stand_in`), unless
    ``full`` (then a zero-strided array of the full shape, which costs no memory:
    used to reproduce a message that shows the full shape).
    """
    copy = inspect.BoundArguments(bound.signature, bound.arguments.copy())
    for name in _present(bound):
        value = bound.arguments[name]
        if not _is_foreign(value):
            continue
        dtype = arrays.numpy_dtype(value, name)
        shape = tuple(value.shape)
        if name in _BATCHED and not full and len(shape) > 0:
            copy.arguments[name] = _dispatch.stand_in(shape, dtype)
        else:
            copy.arguments[name] = np.broadcast_to(np.zeros((), dtype), shape)
    return copy


def _validate(func, bound):
    """``func`` on NumPy stand-ins: the same errors as for NumPy input, and the result's dtype.

    Returns the stand-in result (an empty batch of the right trailing shape and dtype).
    """
    batches = {_batch(bound.arguments[name]) for name in _BATCHED if name in bound.arguments}
    full = len(batches) > 1  # a batch mismatch must show in the message
    stand = _stand_ins(bound, full)
    try:
        return func(*stand.args, **stand.kwargs)
    except (TypeError, ValueError):
        if full:
            raise
    # The message may show the batch: repeat the checks on full-shaped stand-ins for the exact one.
    full_stand = _stand_ins(bound, True)
    return func(*full_stand.args, **full_stand.kwargs)


def _batch(value):
    """The leading length of an array-like (``None`` if it has none or is not rectangular)."""
    shape = getattr(value, "shape", None)
    if shape is None:
        try:
            shape = np.shape(value)
        except ValueError:  # ragged nested lists: the checks say so
            return None
    return tuple(shape)[:1] or None


def _check_result_dtypes(result, where: arrays.Home) -> None:
    for part in result if isinstance(result, tuple) else (result,):
        arrays.library_dtype(where, part.dtype)


def _library_value(value, where: arrays.Home):
    """An array argument in the call's library: foreign ones as given, NumPy values converted."""
    if _is_foreign(value):
        return value
    return arrays.to_library(value, where)


def _on_host(func, bound, where: arrays.Home):
    """The NumPy engine on zero-copy views; the result back in the caller's library."""
    host = inspect.BoundArguments(bound.signature, bound.arguments.copy())
    for name in _present(bound):
        value = bound.arguments[name]
        if _is_foreign(value):
            arrays.numpy_dtype(value, name)  # a dtype NumPy lacks (bfloat16) is refused in convpool's words
            host.arguments[name] = arrays.to_numpy(value, where)
    result = func(*host.args, **host.kwargs)
    if isinstance(result, tuple):
        return tuple(arrays.from_numpy(part, where) for part in result)
    return arrays.from_numpy(result, where)
