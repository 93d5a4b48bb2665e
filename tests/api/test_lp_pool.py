"""LP pooling (``pool(mode='lp', p=...)``) and ``stride=None``: PyTorch's ``lp_pool2d`` as the oracle.

Forward and autograd in float64 and float32, on windows that do not divide the image, with
``ceil_mode``; padding (which PyTorch's LP pool lacks) against a naive loop; the Dask and
array-API doors against the NumPy one; the checks of ``p``.
"""

from __future__ import annotations

import numpy as np
import pytest

from convpool import pool, pool_backward

torch = pytest.importorskip("torch")
F = torch.nn.functional

TOL = {np.float64: 1e-10, np.float32: 2e-5}

CASES = [  # (shape (m, h, w, c), p, kernel, stride, ceil_mode)
    ((2, 6, 6, 3), 2, 2, None, False),
    ((2, 7, 5, 2), 3, (3, 2), (2, 1), False),
    ((1, 7, 7, 2), 1.5, 3, 2, True),  # the last window cut: PyTorch scales its sum by kh * kw / n
    ((3, 5, 8, 1), 1, (2, 3), (3, 2), True),
    ((1, 4, 4, 2), 4, 4, 1, False),
]


def _torch(x, p, kernel, stride, ceil_mode, grad):
    t = torch.from_numpy(x.transpose(0, 3, 1, 2).copy()).requires_grad_(True)
    out = F.lp_pool2d(t, p, kernel, stride, ceil_mode)
    (g,) = torch.autograd.grad(out, t, torch.from_numpy(grad.transpose(0, 3, 1, 2).copy()))
    return out.detach().numpy().transpose(0, 2, 3, 1), g.numpy().transpose(0, 2, 3, 1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("shape", "p", "kernel", "stride", "ceil_mode"), CASES)
def test_lp_pool_matches_torch(shape, p, kernel, stride, ceil_mode, dtype):
    rng = np.random.default_rng(7)
    x = rng.uniform(0.1, 2.0, shape).astype(dtype)  # positive: a fractional p is defined
    ours = pool(x, kernel, stride, mode="lp", p=p, ceil_mode=ceil_mode)
    grad = rng.standard_normal(ours.shape).astype(dtype)
    expected, expected_grad = _torch(x, p, kernel, stride, ceil_mode, grad)
    assert ours.dtype == dtype
    np.testing.assert_allclose(ours, expected, rtol=TOL[dtype])
    ours_grad = pool_backward(grad, x, kernel, stride, mode="lp", p=p, ceil_mode=ceil_mode)
    assert ours_grad.dtype == dtype
    np.testing.assert_allclose(ours_grad, expected_grad, rtol=TOL[dtype] * 10, atol=TOL[dtype])


def test_lp_pool_negative_cells_and_zero_windows_match_torch():
    """Even p on negative cells is defined; a window of zeros passes no gradient (PyTorch's relu clamp)."""
    x = np.array([[-1.0, 2.0, 0.0, 0.0], [3.0, -4.0, 0.0, 0.0]]).reshape(1, 2, 4, 1)
    grad = np.array([1.0, 2.0]).reshape(1, 1, 2, 1)
    ours = pool(x, 2, mode="lp", p=2)
    np.testing.assert_allclose(ours[0, 0, :, 0], [np.sqrt(30.0), 0.0])
    expected, expected_grad = _torch(x, 2, 2, 2, False, grad)
    np.testing.assert_allclose(ours, expected)
    np.testing.assert_array_equal(pool_backward(grad, x, 2, mode="lp", p=2)[0, :, 2:], 0.0)
    np.testing.assert_allclose(pool_backward(grad, x, 2, mode="lp", p=2), expected_grad)


@pytest.mark.parametrize("p", [1, 3])
def test_lp_pool_window_summing_to_zero_passes_no_gradient(p):
    """Nonzero cells whose powers cancel: the output is 0, and PyTorch's gradient is 0, not inf."""
    x = np.array([[1.0, -1.0], [2.0, -2.0]]).reshape(1, 2, 2, 1)
    grad = np.ones((1, 1, 1, 1))
    expected, expected_grad = _torch(x, p, 2, 2, False, grad)
    assert expected.item() == 0 and not expected_grad.any()
    np.testing.assert_array_equal(pool(x, 2, mode="lp", p=p), expected)
    np.testing.assert_array_equal(pool_backward(grad, x, 2, mode="lp", p=p), expected_grad)


def _naive_lp(x, kernel, stride, pads, p):
    """A loop over windows of the zero-padded images: ``(sum x ** p) ** (1 / p)``."""
    (top, bottom), (left, right) = pads
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    oh = (xp.shape[1] - kernel[0]) // stride[0] + 1
    ow = (xp.shape[2] - kernel[1]) // stride[1] + 1
    out = np.empty((x.shape[0], oh, ow, x.shape[3]))
    for i in range(oh):
        for j in range(ow):
            window = xp[:, i * stride[0] : i * stride[0] + kernel[0], j * stride[1] : j * stride[1] + kernel[1]]
            out[:, i, j] = (window**p).sum(axis=(1, 2)) ** (1 / p)
    return out


def test_lp_pool_with_padding_adds_nothing_for_padded_cells():
    x = np.random.default_rng(3).uniform(0.5, 1.5, (2, 5, 4, 2))
    pads = ((1, 2), (0, 1))
    ours = pool(x, (3, 2), (2, 2), mode="lp", p=2.5, padding=pads)
    np.testing.assert_allclose(ours, _naive_lp(x, (3, 2), (2, 2), pads, 2.5), rtol=1e-12)


def test_lp_pool_gradient_with_padding_matches_finite_differences():
    rng = np.random.default_rng(4)
    x = rng.uniform(0.5, 1.5, (1, 4, 5, 1))
    pads = ((1, 1), (1, 0))
    grad = rng.standard_normal(pool(x, 2, 2, mode="lp", p=3, padding=pads).shape)
    ours = pool_backward(grad, x, 2, 2, mode="lp", p=3, padding=pads)
    numeric = np.zeros_like(x)
    eps = 1e-6
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += eps
        down[index] -= eps
        numeric[index] = (
            (pool(up, 2, 2, mode="lp", p=3, padding=pads) - pool(down, 2, 2, mode="lp", p=3, padding=pads)) * grad
        ).sum() / (2 * eps)
    np.testing.assert_allclose(ours, numeric, rtol=1e-6, atol=1e-8)


def test_integer_images_give_floats():
    x = np.arange(16, dtype=np.uint8).reshape(1, 4, 4, 1)
    ours = pool(x, 2, mode="lp", p=2)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, pool(x.astype(np.float64), 2, mode="lp", p=2))


@pytest.mark.parametrize("mode", ["max", "avg", "min", "sum"])
def test_stride_none_is_the_window(mode):
    """``stride=None`` (the default): windows side by side, as PyTorch's default stride."""
    x = np.random.default_rng(5).standard_normal((2, 7, 6, 3))
    np.testing.assert_array_equal(pool(x, (3, 2), mode=mode), pool(x, (3, 2), (3, 2), mode=mode))
    np.testing.assert_array_equal(pool(x, 2, None, mode), pool(x, 2, 2, mode))
    grad = np.ones((2, 2, 3, 3))
    np.testing.assert_array_equal(
        pool_backward(grad, x, (3, 2), mode=mode), pool_backward(grad, x, (3, 2), (3, 2), mode=mode)
    )
    expected = F.max_pool2d(torch.from_numpy(x.transpose(0, 3, 1, 2)), (3, 2)).numpy().transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(pool(x, (3, 2)), expected)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"mode": "lp"}, TypeError, r"p must be a real number > 0 for mode='lp'.*got None"),
        ({"mode": "lp", "p": 0}, ValueError, r"p must be a finite real number > 0 for mode='lp', got 0"),
        ({"mode": "lp", "p": -2}, ValueError, r"got -2"),
        ({"mode": "lp", "p": float("inf")}, ValueError, r"got inf"),
        ({"mode": "lp", "p": True}, TypeError, r"got True"),
        ({"mode": "lp", "p": "2"}, TypeError, r"got '2'"),
        ({"mode": "max", "p": 2}, ValueError, r"p applies only to mode='lp', got mode='max', p=2"),
    ],
)
def test_p_is_checked(kwargs, error, match):
    x = np.ones((1, 4, 4, 1))
    with pytest.raises(error, match=match):
        pool(x, 2, 2, **kwargs)
    with pytest.raises(error, match=match):
        pool_backward(np.ones((1, 2, 2, 1)), x, 2, 2, **kwargs)


def test_lp_pool_dask_door_equals_numpy():
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(6)
    x = rng.uniform(0.5, 1.5, (4, 10, 10, 2))  # ceil_mode cuts the last windows
    lazy = da.from_array(x, chunks=(2, 4, 6, 1))
    for ceil in (False, True):
        expected = pool(x, 3, 2, mode="lp", p=2, ceil_mode=ceil)
        np.testing.assert_allclose(pool(lazy, 3, 2, mode="lp", p=2, ceil_mode=ceil).compute(), expected, rtol=1e-12)
        grad = rng.standard_normal(expected.shape)
        np.testing.assert_allclose(
            pool_backward(
                da.from_array(grad, chunks=(2, 2, 2, 1)), lazy, 3, 2, mode="lp", p=2, ceil_mode=ceil
            ).compute(),
            pool_backward(grad, x, 3, 2, mode="lp", p=2, ceil_mode=ceil),
            rtol=1e-12,
        )


@pytest.mark.parametrize("path", ["host", "core", "native"])
def test_lp_pool_array_api_door_equals_numpy(path):
    from convpool._backends.xp import forced

    rng = np.random.default_rng(8)
    x = rng.uniform(0.5, 1.5, (2, 8, 8, 3))  # ceil_mode cuts the last windows
    grad = rng.standard_normal((2, 4, 4, 3))
    with forced(path):
        ours = pool(torch.from_numpy(x), 3, 2, mode="lp", p=3, ceil_mode=True)
        ours_grad = pool_backward(torch.from_numpy(grad), torch.from_numpy(x), 3, 2, mode="lp", p=3, ceil_mode=True)
    assert isinstance(ours, torch.Tensor) and isinstance(ours_grad, torch.Tensor)
    np.testing.assert_allclose(ours.numpy(), pool(x, 3, 2, mode="lp", p=3, ceil_mode=True), rtol=1e-12)
    np.testing.assert_allclose(
        ours_grad.numpy(), pool_backward(grad, x, 3, 2, mode="lp", p=3, ceil_mode=True), rtol=1e-10, atol=1e-14
    )
