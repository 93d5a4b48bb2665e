"""The array-API backend: the six operations on a plan, for arrays of other libraries.

PyTorch, JAX, CuPy, ``array_api_strict``: the result is an array of the same
library on the same device. Three paths, chosen per call (rules and
measurements in ``docs/arrays.md``):

``host``
    Arrays in host memory (PyTorch and JAX CPU arrays outside ``jit``,
    ``array_api_strict`` on its CPU device) are viewed as NumPy arrays without
    a copy, run through the NumPy backend on the same plan, and the result is
    handed back.
``native``
    The library's own kernels where they provably compute convpool's
    semantics (:mod:`._native`): PyTorch ``conv2d`` / pooling on accelerators,
    ``lax.conv_general_dilated`` / ``lax.reduce_window`` for JAX under ``jit``.
``core``
    The array-API core (:mod:`._core`, :mod:`._core_grad`): only standard
    functions, the reference for every backend and the path for everything
    else (CuPy, other devices, backward passes off the host).

The public layer has already built the plan from the arrays' real shapes and
dtypes: every error is the NumPy one, raised before any work.
"""

from __future__ import annotations

import contextlib

import numpy as np

from ..._plan import checks as check
from .. import is_foreign, selected
from .. import numpy as numpy_backend
from . import arrays
from ._run import off_host

__all__ = ["LAZY", "add_axis", "broadcast", "forced", "meta", "prepare"]

LAZY = False

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


def prepare(value, name: str, layout: str):
    """An array of another library as it is (checked readable); anything else as a NumPy array."""
    if is_foreign(value):
        arrays.home(value, name)
        arrays.refuse_autograd(value, name)
        arrays.numpy_dtype(value, name)  # a dtype NumPy lacks (bfloat16) is refused in convpool's words
        return value
    return check.as_array(value, name, layout=layout)


def meta(array) -> tuple[tuple[int, ...], np.dtype]:
    if is_foreign(array):
        return tuple(array.shape), arrays.numpy_dtype(array, "array")
    return array.shape, array.dtype


def add_axis(array):
    if is_foreign(array):
        return arrays.namespace(array, "array").expand_dims(array, axis=-1)
    return array[..., None]


def broadcast(array, shape):
    if is_foreign(array):
        return arrays.namespace(array, "array").broadcast_to(array, shape)
    return np.broadcast_to(array, shape)


def _home_of(named: dict) -> arrays.Home:
    """The library and device of the call: every array of another library must share them.

    A different library is a ``TypeError``, a different device a ``ValueError``
    (convpool never moves data between devices on its own). NumPy arrays are
    converted by the documented rule (see ``docs/arrays.md``).
    """
    where = first = None
    for name, value in named.items():
        if not is_foreign(value):
            continue
        here = arrays.home(value, name)
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
    if where is None:  # NumPy arrays only: a test calling the backend directly, to run the core on NumPy
        from array_api_compat import numpy as xp

        where = arrays.Home(xp, "cpu", "numpy", False)
    return where


#: On the CPU, PyTorch's own float32 convolution (oneDNN) beats the NumPy engine
#: from this many kernel weights per tap (``c * nc``) on; below, and for float64,
#: pooling and the backward passes, the engine on zero-copy views is faster
#: (measured with benchmarks/bench_arrays.py, see docs/arrays.md).
CPU_NATIVE_WEIGHTS = 16


def _path(op: str, plan, where: arrays.Home) -> str:
    """'host' for host memory (but 'native' for wide float32 PyTorch convolutions), else 'native'."""
    path = _FORCED
    if path is None and not arrays.on_cpu(where):
        path = "native"
    elif path is None:
        wide = op == "correlate" and plan.groups == 1 and plan.images[-1] * plan.kernels[-1] >= CPU_NATIVE_WEIGHTS
        path = "native" if where.library == "torch" and wide and plan.dtype == np.float32 else "host"
    return "native" if path == "host" and where.traced else path  # tracers have no values to copy


def _run(op: str, plan, named: dict, *extra):
    """``op`` on the arrays ``named`` (in the operation's order): on the host by NumPy, else off it."""
    where = _home_of(named)
    path = _path(op, plan, where)
    if path != "host" or where.library == "jax":
        arrays.library_dtype(where, plan.dtype)  # e.g. float64 without JAX's x64 mode: refused before any work
    if path == "host":
        host = [arrays.to_numpy(v, where) if is_foreign(v) else v for v in named.values()]
        result = getattr(numpy_backend, op)(plan, *host, *extra)
        if isinstance(result, tuple):
            return tuple(None if part is None else arrays.from_numpy(part, where) for part in result)
        return arrays.from_numpy(result, where)
    values = {name: value if is_foreign(value) else arrays.to_library(value, where) for name, value in named.items()}
    return off_host(op, plan, values, where, path)


def correlate(plan, images, kernels):
    return _run("correlate", plan, {"images": images, "kernels": kernels})


def pool(plan, images):
    return _run("pool", plan, {"images": images})


def correlate_backward(plan, grad, images, kernels, wrt: str = "both"):
    """Both gradients off the host (the other dropped); on the host only the one asked for."""
    named = {"grad_output": grad, "images": images, "kernels": kernels}
    return selected(_run("correlate_backward", plan, named, wrt), wrt)


def pool_backward(plan, grad, images):
    return _run("pool_backward", plan, {"grad_output": grad, "images": images})


def transpose(plan, images, kernels):
    return _run("transpose", plan, {"images": images, "kernels": kernels})


def transpose_backward(plan, grad, images, kernels):
    return _run("transpose_backward", plan, {"grad_output": grad, "images": images, "kernels": kernels})


def adaptive_pool(plan, images):
    return _run("adaptive_pool", plan, {"images": images})


def adaptive_winners(plan, images):
    return _run("adaptive_winners", plan, {"images": images})


def adaptive_pool_backward(plan, grad, images):
    return _run("adaptive_pool_backward", plan, {"grad_output": grad, "images": images})


def pool_winners(plan, images):
    return _run("pool_winners", plan, {"images": images})


def unpool(plan, values, indices):
    return _run("unpool", plan, {"values": values, "indices": indices})


def unpool_backward(plan, grad, indices):
    return _run("unpool_backward", plan, {"grad_output": grad, "indices": indices})


def permute(array, axes):
    """The library's own ``permute_dims`` (a view in PyTorch, JAX and CuPy); a NumPy view for NumPy arguments."""
    if is_foreign(array):
        return arrays.namespace(array, "array").permute_dims(array, axes)
    return np.transpose(array, axes)
