"""The NumPy backend's transposed convolution and its gradients, on a plan.

The transposed convolution is the input gradient of the forward one
(:func:`.conv_grad.images_grad`) with the images in the gradient's place; its
gradients are a forward correlation and a kernel gradient.
"""

from __future__ import annotations

import numpy as np

from ..._plan.plans import conv_plan
from ..._plan.transpose_checks import TransposePlan
from .conv_grad import images_grad, kernels_grad
from .fold import fold_padding
from .forward import correlate
from .grouped import dense_kernels, depthwise_backward, group_diagonal


def transpose(plan: TransposePlan, images: np.ndarray, kernels: np.ndarray) -> np.ndarray:
    """``convolve_transpose``: images ``(m, oh, ow, nc)`` -> ``plan.out`` ``(m, h, w, c)``."""
    gh, gw = plan.geometry
    dtype, groups, shape = plan.dtype, plan.groups, plan.out
    if gh.size == 0 or gw.size == 0:  # every window lies in the top or left padding
        return np.zeros(shape, dtype=dtype)
    reached = (shape[0], gh.size, gw.size, shape[3])
    if groups != 1 and kernels.shape[2] == 1:
        padded, _ = depthwise_backward(images, None, kernels, plan.geometry, "constant", 0, dtype, channels=shape[3])
        result = np.ascontiguousarray(fold_padding(padded, plan.geometry, "constant"))
    else:
        weights = (dense_kernels(kernels, groups) if groups != 1 else kernels).astype(dtype, copy=False)
        result = images_grad(images, weights, plan.geometry, "constant", reached, dtype)
    if reached == shape:
        return result
    out = np.zeros(shape, dtype=dtype)  # the bottom rows / right columns no window reaches
    out[:, : gh.size, : gw.size] = result
    return out


def transpose_backward(plan: TransposePlan, grad: np.ndarray, images: np.ndarray, kernels: np.ndarray):
    """``(grad_images, grad_kernels)`` of ``convolve_transpose``: a correlation and a kernel gradient."""
    gh, gw = plan.geometry
    dtype, groups = plan.dtype, plan.groups
    if gh.size == 0 or gw.size == 0:  # no window reaches the result: nothing depends on images or kernels
        return np.zeros(images.shape, dtype=dtype), np.zeros(kernels.shape, dtype=dtype)
    reached = grad[:, : gh.size, : gw.size]
    pads = ((gh.before, gh.after), (gw.before, gw.after))
    forward = conv_plan(
        reached.shape, reached.dtype, kernels.shape, kernels.dtype, pads, (gh.stride, gw.stride),
        (gh.dilation, gw.dilation), "constant", 0, groups, dtype=dtype,
    )  # fmt: skip
    return correlate(forward, reached, kernels), _kernels_grad(images, reached, kernels, plan.geometry, dtype, groups)


def _kernels_grad(grad, images, kernels, geometry, dtype, groups: int) -> np.ndarray:
    """The kernel gradient of ``convolve(images, kernels)`` under ``geometry`` for output gradient ``grad``."""
    if groups != 1 and kernels.shape[2] == 1:
        return depthwise_backward(grad, images, kernels, geometry, "constant", 0, dtype)[1]
    weights = (dense_kernels(kernels, groups) if groups != 1 else kernels).astype(dtype, copy=False)
    dense = kernels_grad(grad, images, weights, geometry, "constant", 0, dtype)
    return group_diagonal(dense, groups) if groups != 1 else dense
