"""Operations off the host: a plan's operation by the library's native kernels or the array-API core.

The plan holds the geometry, modes and dtype; the arrays are already in the
caller's library and on its device. Grouped convolutions run group by group
(the core and the native kernels are written for one group). The transposed
convolution and adaptive pooling have no path here yet: they are refused with a clear message.
"""

from __future__ import annotations

from ..lp import lp_pool, lp_pool_backward
from . import _core, _core_grad, _native, arrays

#: How the refusal names an operation: by the public function users call.
_TRANSPOSES = {
    "transpose": "convolve_transpose",
    "transpose_backward": "convolve_transpose_backward",
    "adaptive_pool": "adaptive_pool",
    "adaptive_pool_backward": "adaptive_pool_backward",
    "adaptive_winners": "adaptive_pool(return_indices=True)",
    "pool_winners": "pool(return_indices=True)",
    "unpool": "unpool",
    "unpool_backward": "unpool_backward",
}


def off_host(op: str, plan, values: dict, where, path: str):
    """``op`` on ``values`` (arrays of the caller's library, in the operation's order); JAX arrays compiled."""
    if op in _TRANSPOSES:
        place = "under jax.jit" if where.traced else f"on device {where.device!r}"
        raise ValueError(
            f"{_TRANSPOSES[op]} is not supported for {where.library} arrays {place} yet; "
            "move them to the CPU (host memory), or pass NumPy arrays"
        )
    if where.library == "jax" and not where.traced:
        return _compiled(op, plan, values, where, path)
    return run(op, plan, values, where, path)


def run(op: str, plan, values: dict, where, path: str):
    """``correlate``, ``pool`` or their backward pass on ``values``, by ``path`` ('native' or 'core')."""
    if op in ("pool", "pool_backward") and plan.mode == "lp":
        return _lp(op, plan, values, where, path)
    if op == "pool":
        undilated = all(g.dilation == 1 for g in plan.geometry)  # the native kernels here take no dilation
        if path == "native" and undilated and _native.supports_pool(where, plan.mode, plan.dtype, len(plan.geometry)):
            return _native.pool(where, values["images"], plan.geometry, plan.mode, plan.count_include_pad, plan.dtype)
        return _core.pool(where, values["images"], plan.geometry, plan.mode, plan.count_include_pad, plan.dtype)
    if op == "pool_backward":
        args = (values["grad_output"], values["images"], plan.geometry, plan.mode, plan.count_include_pad)
        return _core_grad.pool_backward(where, *args, plan.dtype)
    groups = _groups(plan, values)
    if op == "correlate":
        parts = [_correlate(plan, images, kernels, where, path) for _, images, kernels in groups]
    else:
        parts = [
            _core_grad.convolve_backward(
                where, grad, images, kernels, plan.geometry, plan.pad_mode, plan.pad_value, plan.dtype
            )
            for grad, images, kernels in groups
        ]
    return _joined(parts, where)


def _lp(op: str, plan, values: dict, where, path: str):
    """LP pooling (:mod:`convpool._backends.lp`) on this path's sum pool and its gradient."""
    xp = where.xp

    def cast(a):
        return xp.astype(a, arrays.library_dtype(where, plan.dtype))

    def const(a):
        return arrays.to_library(a, where)

    def sum_pool(sum_plan, x):
        return run("pool", sum_plan, {"images": x}, where, path)

    if op == "pool":
        return lp_pool(plan, values["images"], sum_pool, cast, const)

    def sum_backward(sum_plan, grad, x):
        return run("pool_backward", sum_plan, {"grad_output": grad, "images": x}, where, path)

    return lp_pool_backward(plan, values["grad_output"], values["images"], sum_pool, sum_backward, cast, const, xp)


def _correlate(plan, images, kernels, where, path: str):
    if path == "native" and _native.supports_convolve(where, plan.dtype, len(plan.geometry)):
        out = _native.convolve(where, images, kernels, plan.geometry, plan.pad_mode, plan.pad_value, plan.dtype)
        if out is not None:
            return out
    return _core.correlate(where, images, kernels, plan.geometry, plan.pad_mode, plan.pad_value, plan.dtype)


def _groups(plan, values: dict) -> list[tuple]:
    """``(grad_output, images, kernels)`` of each group: its input channels and its outputs."""
    images, kernels, grad = values["images"], values["kernels"], values.get("grad_output")
    if plan.groups == 1:
        return [(grad, images, kernels)]
    cg, ng = plan.images[-1] // plan.groups, plan.kernels[-1] // plan.groups
    return [
        (
            None if grad is None else grad[..., g * ng : (g + 1) * ng],
            images[..., g * cg : (g + 1) * cg],
            kernels[..., g * ng : (g + 1) * ng],
        )
        for g in range(plan.groups)
    ]


def _joined(parts: list, where):
    """The groups' results side by side: outputs (forward); image channels and kernel outputs (backward)."""
    if len(parts) == 1:
        return parts[0]
    if not isinstance(parts[0], tuple):
        return where.xp.concat(parts, axis=-1)
    return tuple(where.xp.concat([p[i] for p in parts], axis=-1) for i in range(2))


#: Compiled JAX functions by operation, path, plan and arrays, oldest dropped first.
_COMPILED: dict = {}
_COMPILED_MOST = 64


def _compiled(op: str, plan, values: dict, where, path: str):
    """:func:`run` for concrete JAX arrays, compiled once per plan with ``jax.jit``.

    Run op by op, JAX compiles every operation for every new shape (the core's
    tap loops: hundreds of compilations); compiled whole, the call is one XLA
    program, reused for the same shapes, dtypes and arguments.
    """
    import jax

    key = (op, path, plan, tuple((k, tuple(v.shape), str(v.dtype)) for k, v in values.items()))
    compiled = _COMPILED.get(key)
    if compiled is None:
        traced = where._replace(device=None, traced=True)
        compiled = jax.jit(lambda inputs: run(op, plan, inputs, traced, path))
        if len(_COMPILED) >= _COMPILED_MOST:
            _COMPILED.pop(next(iter(_COMPILED)))
        _COMPILED[key] = compiled
    return compiled(values)
