"""Signals (1-D) and volumes (3-D) against PyTorch (torch==2.13.0) in float64: forward passes and autograd.

convpool is channels-last, ``(m, *spatial, c)`` with kernels ``(*k, c // groups, nc)``; PyTorch is
channels-first with weights ``(nc, c // groups, *k)``. Asymmetric padding goes through ``F.pad`` first.
Every module runs on the small-work path, the engine, and with bands of one leading output (``bands``).
"""

from __future__ import annotations

import numpy as np
import pytest

import convpool

torch = pytest.importorskip("torch")
F = torch.nn.functional

pytestmark = [
    pytest.mark.usefixtures("both_paths", "bands"),
    pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel"),  # PyTorch's own copy, not ours
]

CONV = {1: F.conv1d, 3: F.conv3d}
TRANSPOSE = {1: F.conv_transpose1d, 3: F.conv_transpose3d}
MAX = {1: F.max_pool1d, 3: F.max_pool3d}
AVG = {1: F.avg_pool1d, 3: F.avg_pool3d}


def to_torch(x: np.ndarray, grad: bool = False):
    return torch.tensor(np.moveaxis(x, -1, 1).copy(), requires_grad=grad)


def weights(k: np.ndarray, grad: bool = False):
    rank = k.ndim - 2
    return torch.tensor(k.transpose(rank + 1, rank, *range(rank)).copy(), requires_grad=grad)


def from_torch(t) -> np.ndarray:
    return np.moveaxis(t.detach().numpy(), 1, -1)


def from_weights(t) -> np.ndarray:
    rank = t.ndim - 2
    return t.detach().numpy().transpose(*range(2, rank + 2), 1, 0)


def torch_padded(x, padding):
    """PyTorch's input and its own ``padding=`` for convpool's padding spec (pairs through ``F.pad``)."""
    if isinstance(padding, tuple) and any(isinstance(p, tuple) for p in padding):
        return F.pad(x, [side for pair in reversed(padding) for side in pair]), 0
    return x, padding


# (rank, images shape, kernel taps, padding, stride, dilation, groups)
CONV_CASES = [
    (1, (3, 40, 4), (5,), "valid", 1, 1, 1),
    (1, (2, 33, 4), (4,), "same", 1, 1, 1),  # even kernel: the odd cell after
    (1, (2, 33, 4), (3,), ((2, 1),), 3, 2, 2),
    (1, (2, 30, 4), (3,), 2, 2, 3, 4),  # depthwise
    (3, (2, 6, 7, 8, 3), (3, 3, 3), "valid", 1, 1, 1),
    (3, (2, 6, 7, 8, 3), (2, 4, 2), "same", 1, 1, 1),  # even kernels
    (3, (2, 7, 6, 9, 4), (3, 2, 3), ((1, 2), (0, 1), (2, 0)), (2, 1, 3), (1, 2, 1), 2),
    (3, (1, 8, 8, 8, 4), (3, 3, 3), 1, 2, 2, 4),  # depthwise, multiplier 2 below
    (3, (2, 5, 9, 6, 2), (1, 3, 3), (0, 1, 1), (1, 2, 2), 1, 1),
]


@pytest.mark.parametrize(("rank", "shape", "taps", "padding", "stride", "dilation", "groups"), CONV_CASES)
def test_convolve_and_autograd(rng, rank, shape, taps, padding, stride, dilation, groups):
    nc = 2 * groups if groups > 1 else 3
    x = rng.standard_normal(shape)
    k = rng.standard_normal((*taps, shape[-1] // groups, nc))
    xt, kt = to_torch(x, True), weights(k, True)
    source, pad = torch_padded(xt, padding)
    expected = CONV[rank](source, kt, stride=stride, padding=pad, dilation=dilation, groups=groups)
    got = convpool.convolve(x, k, padding, stride, dilation=dilation, groups=groups)
    np.testing.assert_allclose(got, from_torch(expected), rtol=1e-10, atol=1e-10)
    g = rng.standard_normal(got.shape)
    expected.backward(to_torch(g))
    gx, gk = convpool.convolve_backward(g, x, k, padding, stride, dilation=dilation, groups=groups)
    np.testing.assert_allclose(gx, from_torch(xt.grad), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gk, from_weights(kt.grad), rtol=1e-10, atol=1e-10)


# (rank, images shape, window, stride, padding, ceil_mode, dilation)
POOL_CASES = [
    (1, (3, 17, 2), (3,), 2, 1, False, 1),
    (1, (3, 17, 2), (2,), 3, 1, True, 2),
    (3, (2, 7, 8, 9, 2), (2, 2, 2), 2, 0, False, 1),
    (3, (2, 7, 8, 9, 2), (3, 2, 3), (2, 1, 2), (1, 0, 1), True, 1),
    (3, (2, 9, 7, 8, 3), (2, 3, 2), (3, 2, 2), (1, 1, 0), True, (2, 1, 3)),
]


@pytest.mark.parametrize(("rank", "shape", "window", "stride", "padding", "ceil", "dilation"), POOL_CASES)
def test_max_pool_and_autograd(rng, rank, shape, window, stride, padding, ceil, dilation):
    x = rng.standard_normal(shape)
    xt = to_torch(x, True)
    expected = MAX[rank](xt, window, stride, padding, dilation=dilation, ceil_mode=ceil)
    got = convpool.pool(x, window, stride, "max", padding=padding, dilation=dilation, ceil_mode=ceil)
    np.testing.assert_array_equal(got, from_torch(expected))
    g = rng.standard_normal(got.shape)
    expected.backward(to_torch(g))
    gx = convpool.pool_backward(g, x, window, stride, "max", padding=padding, dilation=dilation, ceil_mode=ceil)
    np.testing.assert_allclose(gx, from_torch(xt.grad), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("include", [False, True])
@pytest.mark.parametrize(("rank", "shape", "window", "stride", "padding", "ceil", "dilation"), POOL_CASES)
def test_avg_pool_and_autograd(rng, rank, shape, window, stride, padding, ceil, dilation, include):
    if dilation != 1:
        pytest.skip("PyTorch's avg_pool has no dilation")
    x = rng.standard_normal(shape)
    xt = to_torch(x, True)
    expected = AVG[rank](xt, window, stride, padding, ceil_mode=ceil, count_include_pad=include)
    options = dict(padding=padding, ceil_mode=ceil, count_include_pad=include)
    got = convpool.pool(x, window, stride, "avg", **options)
    np.testing.assert_allclose(got, from_torch(expected), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(got.shape)
    expected.backward(to_torch(g))
    gx = convpool.pool_backward(g, x, window, stride, "avg", **options)
    np.testing.assert_allclose(gx, from_torch(xt.grad), rtol=1e-12, atol=1e-12)


# (rank, images shape (a convolution's output), taps, padding, stride, dilation, output_padding, groups)
TRANSPOSE_CASES = [
    (1, (2, 9, 4), (3,), 1, 2, 1, 1, 1),
    (1, (2, 7, 4), (4,), 0, 3, 2, 2, 2),
    (3, (2, 3, 4, 5, 4), (3, 3, 3), 1, 2, 1, (1, 0, 1), 1),
    (3, (1, 4, 3, 3, 4), (2, 3, 2), (0, 1, 1), (2, 1, 3), (1, 2, 1), (1, 0, 2), 2),
    (3, (2, 3, 3, 3, 4), (2, 2, 2), 0, 2, 1, 0, 4),  # depthwise
]


@pytest.mark.parametrize(("rank", "shape", "taps", "padding", "stride", "dilation", "extra", "groups"), TRANSPOSE_CASES)
def test_convolve_transpose_and_autograd(rng, rank, shape, taps, padding, stride, dilation, extra, groups):
    nc = shape[-1]
    y = rng.standard_normal(shape)
    k = rng.standard_normal((*taps, 3 if groups == 1 else 2, nc))
    yt, kt = to_torch(y, True), weights(k, True)
    # conv_transpose's weights (nc, c // groups, *k) are the forward convolution's: the same tensor
    expected = TRANSPOSE[rank](
        yt, kt, stride=stride, padding=padding, output_padding=extra, groups=groups, dilation=dilation
    )
    options = dict(dilation=dilation, output_padding=extra, groups=groups)
    got = convpool.convolve_transpose(y, k, padding, stride, **options)
    np.testing.assert_allclose(got, from_torch(expected), rtol=1e-10, atol=1e-10)
    g = rng.standard_normal(got.shape)
    expected.backward(to_torch(g))
    gy, gk = convpool.convolve_transpose_backward(g, y, k, padding, stride, **options)
    np.testing.assert_allclose(gy, from_torch(yt.grad), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gk, from_weights(kt.grad), rtol=1e-10, atol=1e-10)
