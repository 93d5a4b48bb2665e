"""Off-host calls: the public functions' arguments reduced to the core's (or a native kernel's).

The public function has already run on NumPy stand-ins (so every argument is
valid); here the same checks run once more on the stand-ins to obtain the
geometry and modes (cheap, shapes only), and the arrays of the caller's
library go to :mod:`._native` where it applies, else to the core.
"""

from __future__ import annotations

import numpy as np

from ..._plan import checks as check
from . import _core, _core_grad, _native


def _meta(value) -> np.ndarray:
    """A zero-strided NumPy array with ``value``'s shape and dtype, for the shape checks."""
    from .arrays import numpy_dtype

    dtype = value.dtype if isinstance(value.dtype, np.dtype) else numpy_dtype(value, "array")
    return np.broadcast_to(np.zeros((), dtype), tuple(value.shape))


def run(name: str, bound, values: dict, result, where, path: str):
    """Compute public function ``name`` on ``values`` (arrays of the caller's library).

    ``result`` is the stand-in result (its dtype is the result's); ``path`` is
    ``'native'`` or ``'core'``.
    """
    args = bound.arguments
    if name.startswith("convolve_transpose"):
        raise ValueError(
            f"{name} is not supported for {where.library} arrays "
            f"{'under jax.jit' if where.traced else f'on device {where.device!r}'} yet; "
            "move them to the CPU (host memory), or pass NumPy arrays"
        )
    if args.get("groups", 1) != 1:
        # the core and the native kernels are written for groups=1 only; a wrong answer is worse than none
        raise ValueError(
            f"groups={args['groups']} is not supported for {where.library} arrays yet; "
            "pass NumPy arrays (or dask arrays of NumPy blocks), or groups=1"
        )
    if name == "pool":
        return _pool(args, values, result.dtype, where, path)
    if name == "pool_backward":
        images = values["images"]
        geometry, mode, include = _pool_geometry(images, args)
        return _core_grad.pool_backward(where, values["grad_output"], images, geometry, mode, include, result.dtype)
    if name == "convolve_backward":
        options = {k: args[k] for k in ("padding", "stride", "dilation", "pad_mode", "pad_value")}
        images, kernels = values["images"], values["kernels"]
        geometry, mode, fill = _conv_geometry(images, kernels, options)
        grads = _core_grad.convolve_backward(
            where, values["grad_output"], images, kernels, geometry, mode, fill, result[0].dtype
        )
        return grads
    return _convolve(name, args, values, result.dtype, where, path)


#: Compiled JAX functions by call signature (see :func:`run_jax_compiled`), oldest dropped first.
_COMPILED: dict = {}
_COMPILED_MOST = 64


def run_jax_compiled(name: str, bound, values: dict, result, where, path: str):
    """:func:`run` for concrete JAX arrays, compiled once per signature with ``jax.jit``.

    Run op by op, JAX compiles every operation for every new shape (the core's
    tap loops: hundreds of compilations); compiled whole, the call is one XLA
    program, reused for the same shapes, dtypes and arguments.
    """
    import jax

    others = sorted((k, repr(v)) for k, v in bound.arguments.items() if k not in values)
    arrays = tuple((k, tuple(v.shape), str(v.dtype)) for k, v in values.items())
    key = (name, path, tuple(others), arrays, str(getattr(result, "dtype", None)))
    compiled = _COMPILED.get(key)
    if compiled is None:
        traced = where._replace(device=None, traced=True)
        compiled = jax.jit(lambda inputs: run(name, bound, inputs, result, traced, path))
        if len(_COMPILED) >= _COMPILED_MOST:
            _COMPILED.pop(next(iter(_COMPILED)))
        _COMPILED[key] = compiled
    return compiled(values)


def _pool_geometry(images, args):
    names = ("kernel_shape", "stride", "mode", "padding", "count_include_pad")
    _, geometry, mode, include, _ = check.pool_arguments(
        _meta(images), *(args[n] for n in names), None, args.get("dilation", 1), args.get("ceil_mode", False)
    )
    return geometry, mode, include


def _conv_geometry(images, kernels, options: dict):
    _, _, geometry, mode, fill = check.conv_arguments(
        _meta(images),
        _meta(kernels),
        options["padding"],
        options["stride"],
        options.get("dilation", (1, 1)),
        options.get("pad_mode", "constant"),
        options.get("pad_value", 0),
    )
    return geometry, mode, fill


def _convolve(name: str, args, values: dict, dtype: np.dtype, where, path: str):
    """``convolve`` and its channel and grayscale forms (a reshape around it, as in ``conv.py``)."""
    xp = where.xp
    images = values["images"]
    if name == "convolve":
        kernels = values["kernels"]
        options = {k: args[k] for k in ("padding", "stride", "dilation", "pad_mode", "pad_value")}
    else:
        options = {"padding": args["padding"], "stride": args["stride"], **args.get("options", {})}
        kernels = xp.expand_dims(values["kernel"], axis=-1)
        if name == "convolve_grayscale":
            images = xp.expand_dims(images, axis=-1)
            kernels = xp.expand_dims(kernels, axis=-1)
    geometry, mode, fill = _conv_geometry(images, kernels, options)
    out = None
    if path == "native" and _native.supports_convolve(where, dtype):
        out = _native.convolve(where, images, kernels, geometry, mode, fill, dtype)
    if out is None:
        out = _core.correlate(where, images, kernels, geometry, mode, fill, dtype)
    return out if name == "convolve" else out[..., 0]


def _pool(args, values: dict, dtype: np.dtype, where, path: str):
    images = values["images"]
    geometry, mode, include = _pool_geometry(images, args)
    # the native kernels here take no dilation (ceil mode is only more padding in the geometry)
    undilated = all(g.dilation == 1 for g in geometry)
    if path == "native" and undilated and _native.supports_pool(where, mode, dtype):
        return _native.pool(where, images, geometry, mode, include, dtype)
    return _core.pool(where, images, geometry, mode, include, dtype)
