"""LP (power-average) pooling and its gradient, for every backend, as a sum pool between two powers.

``lp = (scale * sum_{window} x ** p) ** (1 / p)`` with ``scale = kh * kw / n`` where ``n`` is the
number of the window's taps inside the padded image: 1 except for a window that ``ceil_mode`` cut at
the end, where PyTorch's ``lp_pool2d`` (an ``avg_pool2d`` of ``x ** p`` times ``kh * kw``) scales the
sum up. So each backend needs only its own sum pool and its gradient (``sum_pool(plan, x)``,
``sum_backward(plan, grad, x)``) and the arithmetic operators of its arrays; ``cast`` turns an array
into the plan's dtype, ``const`` a NumPy array into one of the backend's library.

The gradient: ``d lp / d x_j = scale * x_j ** (p - 1) * lp ** (1 - p)`` for every window reading ``x_j``
(0 for a window whose ``lp`` is 0, as in PyTorch).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .._plan._shapes import average_divisor


def lp_scale(plan) -> np.ndarray | None:
    """``kh * kw / n`` per output, shape ``(oh, ow, 1)``, or ``None`` where every window has all its taps."""
    if not any(g.overhang for g in plan.geometry):
        return None
    taps = np.prod([g.kernel for g in plan.geometry])
    return (taps / average_divisor(plan.geometry, True)).astype(plan.dtype)


def lp_pool(plan, images, sum_pool, cast, const):
    """``pool(mode='lp')`` of ``images`` by the backend's ``sum_pool``."""
    sums = sum_pool(replace(plan, mode="sum", p=None), cast(images) ** plan.p)
    scale = lp_scale(plan)
    if scale is not None:
        sums = sums * const(scale)
    return sums ** (1 / plan.p)


def lp_pool_backward(plan, grad, images, sum_pool, sum_backward, cast, const, xp):
    """``pool_backward(mode='lp')``: the output recomputed, then one sum-pool gradient.

    A window whose output is 0 passes no gradient (PyTorch's ``lp_pool2d`` clamps the power sum
    through a ``relu``, whose gradient at 0 is 0); ``xp`` is the arrays' namespace (``where``).
    """
    x = cast(images)
    out = lp_pool(plan, x, sum_pool, cast, const)
    zero = out == 0
    # d lp / d sum, without its scale and x ** (p - 1); 0 ** (1 - p) would be inf
    share = cast(grad) * xp.where(zero, xp.ones_like(out), out) ** (1 - plan.p)
    share = xp.where(zero, xp.zeros_like(share), share)
    scale = lp_scale(plan)
    if scale is not None:
        share = share * const(scale)
    return sum_backward(replace(plan, mode="sum", p=None), share, x) * x ** (plan.p - 1)
