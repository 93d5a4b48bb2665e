"""The NumPy backend's forward operations on a plan: ``correlate`` and ``pool``.

The plan (:mod:`convpool._plan.plans`) holds every checked argument; here
only the way of computing is chosen: the small-work path (:mod:`.small`),
the depthwise and grouped engines, or the blocked, tiled and threaded engine
(:func:`.choose.correlate`, whose ``method='auto'`` cost model reads the
kernels' values).
"""

from __future__ import annotations

import numpy as np

from ..._plan.plans import ConvPlan, PoolPlan, conv_plan
from ..lp import lp_pool as _lp_pool
from . import small
from .choose import correlate as correlate_blocks
from .grouped import dense_kernels, depthwise
from .grouped_gemm import correlate_grouped, fits_blocks
from .pooling import pool_windows


def correlate(plan: ConvPlan, images: np.ndarray, kernels: np.ndarray) -> np.ndarray:
    """``convolve``: images ``(m, h, w, c)``, kernels ``(kh, kw, c // groups, nc)`` -> ``plan.out``."""
    if plan.small:
        return small.correlate(plan, images, kernels)
    g, mode, fill, dtype = plan.geometry, plan.pad_mode, plan.pad_value, plan.dtype
    if plan.groups != 1 and kernels.shape[2] == 1:
        return depthwise(images, kernels, g, mode, fill, dtype, plan.threads)
    if (
        plan.groups != 1
        and plan.method in ("auto", "measure", "gemm")
        and fits_blocks(images.shape, kernels.shape, g, dtype)
    ):
        return correlate_grouped(images, kernels, g, mode, fill, dtype, plan.groups)  # 1/G of the dense flops
    if plan.groups != 1:  # a method asked for by name, or an image to tile: the block-diagonal dense kernels
        kernels = dense_kernels(kernels, plan.groups)
    return correlate_blocks(images, kernels, g, mode, fill, dtype, plan.method, plan.threads)


#: LP pooling with NumPy's floating-point warnings off: a negative sum under a fractional power is NaN in the
#: result (as in PyTorch), not a warning
lp_pool = small._quiet(_lp_pool)


def numpy_ops(dtype) -> tuple:
    """``(cast, const)`` of :mod:`convpool._backends.lp` for NumPy arrays computed in ``dtype``."""
    return (lambda a: a.astype(dtype, copy=False)), np.asarray


def correlate_with(images: np.ndarray, kernels: np.ndarray, padding, dilation, groups: int = 1) -> np.ndarray:
    """A stride-1 correlation the backend needs inside another operation (a gradient), planned here."""
    plan = conv_plan(
        images.shape, images.dtype, kernels.shape, kernels.dtype, padding, 1, dilation, "constant", 0, groups
    )
    return correlate(plan, images, kernels)


def pool(plan: PoolPlan, images: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``pool``: images ``(m, h, w, c)`` -> ``plan.out``, each channel on its own.

    ``out`` (checked by the caller): the blocked engine writes into it; the other paths copy there.
    """
    if plan.mode == "lp":
        result = lp_pool(plan, images, pool, *numpy_ops(plan.dtype))
    elif plan.small:
        result = small.pool(plan, images)
    else:
        args = (images, plan.geometry, plan.mode, plan.count_include_pad, plan.dtype, plan.threads)
        return pool_windows(*args, out=out)
    return into(out, result)


def into(out: np.ndarray | None, result: np.ndarray) -> np.ndarray:
    """``result``, or ``out`` with ``result`` copied in (a path that cannot write into ``out`` itself)."""
    if out is None:
        return result
    np.copyto(out, result)
    return out
