"""The NumPy backend's backward operations on a plan: ``correlate_backward`` and ``pool_backward``.

How the gradients are computed (tap-loop transposes, im2col GEMMs, the
padding fold, max-pool winners) is described in ``docs/gradients.md`` and in
:mod:`.conv_grad` and :mod:`.pool_grad`; this module chooses among them.
"""

from __future__ import annotations

import numpy as np

from ..._plan._shapes import average_divisor
from ..._plan.plans import ConvPlan, PoolPlan
from .. import selected
from ..lp import lp_pool_backward as _lp_pool_backward
from . import pooling, small
from .blocking import batch_blocks
from .conv_grad import images_grad, kernels_grad
from .fold import fold_padding
from .forward import numpy_ops
from .forward import pool as forward_pool
from .grouped import dense_kernels, depthwise_backward, group_diagonal
from .grouped_gemm import fits_blocks, grouped_kernels_grad
from .pool_grad import spread_grad, tiles_exactly, winner_grad
from .pooling import pool_windows
from .threads import resolve_threads, run_blocks

#: LP pooling's gradient with NumPy's floating-point warnings off (see :data:`.forward.lp_pool`).
lp_pool_backward = small._quiet(_lp_pool_backward)

#: Working set of one block of the pooling backward pass: the forward's budget.
POOL_BLOCK_BYTES = pooling.POOL_BLOCK_BYTES


def correlate_backward(plan: ConvPlan, grad, images, kernels, wrt: str = "both"):
    """``(grad_images, grad_kernels)`` of ``correlate``; the one ``wrt`` does not ask for is ``None``."""
    if plan.small_backward:
        return small.correlate_backward(plan, grad, images, kernels, wrt)
    geometry, mode, fill, dtype = plan.geometry, plan.pad_mode, plan.pad_value, plan.dtype
    if plan.groups != 1:
        return selected(_grouped_grads(plan, grad, images, kernels), wrt)
    weights = kernels.astype(dtype, copy=False)
    grad_kernels = grad_images = None
    if wrt != "images":
        grad_kernels = kernels_grad(grad, images, weights, geometry, mode, fill, dtype)
    if wrt != "kernels":
        grad_images = images_grad(grad, weights, geometry, mode, images.shape, dtype)
    return grad_images, grad_kernels


def _grouped_grads(plan: ConvPlan, grad, images, kernels):
    """Depthwise: its own engine (``grouped``); other groups: per-group GEMMs (``grouped_gemm``).

    An image too big for one block takes the dense block-diagonal kernels' gradient (which tiles), cut back.
    """
    geometry, mode, fill, dtype, groups = plan.geometry, plan.pad_mode, plan.pad_value, plan.dtype, plan.groups
    if kernels.shape[2] == 1:
        padded, grad_kernels = depthwise_backward(grad, images, kernels, geometry, mode, fill, dtype)
        return np.ascontiguousarray(fold_padding(padded, geometry, mode)), grad_kernels
    weights = kernels.astype(dtype, copy=False)
    grad_images = images_grad(grad, weights, geometry, mode, images.shape, dtype, groups)
    if fits_blocks(images.shape, kernels.shape, geometry, dtype):
        return grad_images, grouped_kernels_grad(grad, images, weights, geometry, mode, fill, dtype, groups)
    dense = kernels_grad(grad, images, dense_kernels(weights, groups), geometry, mode, fill, dtype)  # tiles
    return grad_images, group_diagonal(dense, groups)


def pool_backward(plan: PoolPlan, grad, images) -> np.ndarray:
    """``grad_images`` of ``pool``: every window's gradient back to the cells it read (see ``docs/gradients.md``)."""
    if plan.mode == "lp":
        return lp_pool_backward(plan, grad, images, forward_pool, pool_backward, *numpy_ops(plan.dtype), np)
    if plan.small_backward:
        return small.pool_backward(plan, grad, images)
    geometry, mode, dtype = plan.geometry, plan.mode, plan.dtype
    gh, gw = geometry
    divisor = average_divisor(geometry, plan.count_include_pad).astype(dtype) if mode == "avg" else None
    unpadded = gh.padded == gh.size and gw.padded == gw.size
    # Windows that tile the image exactly write every cell once: no zero fill needed.
    tiled = unpadded and tiles_exactly(geometry, images.shape[1:3])
    grad_images = np.empty(images.shape, dtype=dtype)
    # padded block and its gradient; per window: a hit mask and the taken mask per tap, the block's best
    cell, grad_cell = images.dtype.itemsize, dtype.itemsize
    window = 2 + cell + 2 * grad_cell
    per_image = (gh.padded * gw.padded * (cell + grad_cell) + gh.out * gw.out * window) * images.shape[3]

    def work(rows: slice) -> None:
        g = grad[rows].astype(dtype, copy=False)
        if divisor is not None:
            g = g / divisor
        if unpadded:
            out = grad_images[rows]
            if not tiled:
                out[...] = 0
        else:
            out = np.zeros((len(g), gh.padded, gw.padded, g.shape[3]), dtype)
        if mode in ("max", "min"):
            # The forward result of this block only, while it is in cache; this thread does all of it.
            best = pool_windows(images[rows], geometry, mode, False, images.dtype, 1)
            winner_grad(images[rows], best, g, geometry, mode, out)
        else:
            spread_grad(g, geometry, out)
        if not unpadded:
            grad_images[rows] = fold_padding(out, geometry, "constant")

    run_blocks(work, list(batch_blocks(images.shape[0], per_image, POOL_BLOCK_BYTES)), resolve_threads(None))
    return grad_images
