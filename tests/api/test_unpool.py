"""``pool(return_indices=True)``, ``unpool`` and ``unpool_backward``: PyTorch's max_pool2d indices and max_unpool2d.

Indices on ties, padding, dilation and ceil_mode against ``max_pool2d(return_indices=True)``;
``unpool`` and its gradient against ``max_unpool2d`` and autograd, float64 and float32; the
Dask and array-API doors against the NumPy one; the checks.
"""

from __future__ import annotations

import numpy as np
import pytest

from convpool import adaptive_pool, pool, pool_backward, unpool, unpool_backward

torch = pytest.importorskip("torch")
F = torch.nn.functional

CASES = [  # (shape, kernel, stride, padding, dilation, ceil_mode)
    ((2, 6, 6, 3), 2, None, 0, 1, False),
    ((2, 7, 5, 2), 3, 2, 1, 1, False),  # padding: padded cells never win
    ((1, 9, 8, 2), (3, 2), (2, 3), (1, 1), (2, 1), False),  # dilation
    ((2, 7, 7, 1), 3, 2, 1, 1, True),  # ceil_mode: the last window cut
    ((1, 5, 6, 4), (2, 3), 1, (1, 0), 1, True),  # overlapping windows
]


def _nchw(x):
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


def _nhwc(t):
    return t.detach().numpy().transpose(0, 2, 3, 1)


def _torch_pool(x, kernel, stride, padding, dilation, ceil_mode):
    return F.max_pool2d(_nchw(x), kernel, stride, padding, dilation, ceil_mode, return_indices=True)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("shape", "kernel", "stride", "padding", "dilation", "ceil_mode"), CASES)
def test_indices_match_torch_on_ties(shape, kernel, stride, padding, dilation, ceil_mode, dtype):
    """Few distinct values: most windows hold ties, and the first winner is PyTorch's."""
    x = np.random.default_rng(1).integers(-2, 3, shape).astype(dtype)
    values, indices = pool(
        x, kernel, stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode, return_indices=True
    )
    expected, expected_indices = _torch_pool(x, kernel, stride, padding, dilation, ceil_mode)
    np.testing.assert_array_equal(values, _nhwc(expected))
    np.testing.assert_array_equal(indices, _nhwc(expected_indices))
    assert indices.dtype == np.int64


def test_padding_never_wins_even_against_minus_infinity():
    """A window whose real cells are all -inf: the first real cell wins, as in PyTorch."""
    x = np.full((1, 3, 3, 1), -np.inf)
    x[0, 2, 2, 0] = 1.0
    _, indices = pool(x, 2, 2, padding=1, return_indices=True)
    _, expected = _torch_pool(x, 2, 2, 1, 1, False)
    np.testing.assert_array_equal(indices[0, :, :, 0], [[0, 1], [3, 8]])
    np.testing.assert_array_equal(indices, _nhwc(expected))


def test_min_indices_are_the_max_indices_of_the_negation():
    x = np.random.default_rng(2).integers(-3, 3, (2, 7, 6, 2)).astype(np.float64)
    values, indices = pool(x, 3, 2, "min", padding=1, return_indices=True)
    _, expected = _torch_pool(-x, 3, 2, 1, 1, False)
    np.testing.assert_array_equal(indices, _nhwc(expected))
    np.testing.assert_array_equal(values, pool(x, 3, 2, "min", padding=1))


def test_indices_name_the_cell_the_gradient_goes_to_nan_included():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, (2, 6, 7, 3)).astype(np.float64)
    x[0, 1, 1, 0] = x[0, 2, 2, 0] = x[1, 3, 4, 2] = np.nan
    values, indices = pool(x, 3, 2, padding=1, return_indices=True)
    grad = rng.standard_normal(values.shape)
    expected = np.zeros((2, 6 * 7, 3))  # each window's gradient added at its index (windows overlap)
    np.add.at(expected, (np.arange(2)[:, None, None], indices.reshape(2, -1, 3), np.arange(3)), grad.reshape(2, -1, 3))
    np.testing.assert_allclose(pool_backward(grad, x, 3, 2, padding=1), expected.reshape(x.shape), rtol=1e-14)
    assert indices[0, 0, 0, 0] == 8 and indices[0, 1, 1, 0] == 8  # NaNs at cells 8 and 16: the first wins


def test_integer_images_keep_their_dtype():
    x = np.arange(16, dtype=np.uint8).reshape(1, 4, 4, 1)
    values, indices = pool(x, 2, return_indices=True)
    assert values.dtype == np.uint8
    np.testing.assert_array_equal(indices[0, :, :, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(
        unpool(values, indices, 4)[0, :, :, 0], np.where(x % 2 * (x // 4 % 2), x, 0)[0, :, :, 0]
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("shape", "kernel", "stride", "padding", "dilation", "ceil_mode"), CASES)
def test_unpool_and_its_gradient_match_torch(shape, kernel, stride, padding, dilation, ceil_mode, dtype):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape).astype(dtype)
    values, indices = pool(
        x, kernel, stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode, return_indices=True
    )
    t = _nchw(values).requires_grad_(True)
    # torch checks output_size against the size its kernel_size implies: give it the dilated window's extent
    extent = tuple(
        (k - 1) * d + 1 for k, d in zip(np.broadcast_to(kernel, 2), np.broadcast_to(dilation, 2), strict=True)
    )
    expected = F.max_unpool2d(t, _nchw(indices), extent, stride, padding, output_size=shape[1:3])
    ours = unpool(values, indices, shape[1:3])
    assert ours.dtype == dtype
    np.testing.assert_array_equal(ours, _nhwc(expected))
    grad = rng.standard_normal(shape).astype(dtype)
    (expected_grad,) = torch.autograd.grad(expected, t, _nchw(grad))
    ours_grad = unpool_backward(grad, indices)
    assert ours_grad.dtype == dtype
    np.testing.assert_array_equal(ours_grad, _nhwc(expected_grad))


def test_unpool_of_adaptive_indices_and_repeated_indices():
    """Windows that overlap share winners: the value lands once, and each copy gets the cell's whole gradient."""
    x = np.array([[0.0, 1, 9, 2, 3]]).reshape(1, 1, 5, 1)
    values, indices = adaptive_pool(x, (1, 3), "max", return_indices=True)  # windows [0, 2), [1, 4), [3, 5)
    np.testing.assert_array_equal(indices[0, 0, :, 0], [1, 2, 4])
    np.testing.assert_array_equal(unpool(values, indices, (1, 5))[0, 0, :, 0], [0, 1, 9, 0, 3])
    repeated = np.array([2, 2, 4]).reshape(1, 1, 3, 1)
    g = np.arange(5.0).reshape(1, 1, 5, 1)
    np.testing.assert_array_equal(unpool_backward(g, repeated)[0, 0, :, 0], [2, 2, 4])


def test_unpool_is_linear_with_unpool_backward_its_adjoint():
    rng = np.random.default_rng(5)
    values = rng.standard_normal((2, 3, 4, 2))
    indices = np.stack([np.stack([rng.permutation(63)[:12] for _ in range(2)], -1) for _ in range(2)]).reshape(
        2, 3, 4, 2
    )
    grad = rng.standard_normal((2, 7, 9, 2))
    lhs = (unpool(values, indices, (7, 9)) * grad).sum()
    np.testing.assert_allclose(lhs, (values * unpool_backward(grad, indices)).sum(), rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda v, i: unpool(v, i + 100, (4, 4)),
            ValueError,
            r"indices must lie in \[0, 16\).*got values from 105 to 115",
        ),
        (lambda v, i: unpool(v, i - 10, (4, 4)), ValueError, r"indices must lie in \[0, 16\).*from -5 to 5"),
        (lambda v, i: unpool(v, i.astype(float), (4, 4)), TypeError, r"indices must be integers"),
        (lambda v, i: unpool(v, i[:, :1], (4, 4)), ValueError, r"indices must have the values' shape \(1, 2, 2, 1\)"),
        (lambda v, i: unpool(v, i, 0), ValueError, r"output_shape must be >= 1"),
        (lambda v, i: unpool(v[0], i, 4), ValueError, r"values must be a 4-D array"),
        (lambda v, i: unpool_backward(np.ones((1, 4, 4, 1)), i + 100), ValueError, r"indices must lie in \[0, 16\)"),
        (lambda v, i: unpool_backward(np.ones((2, 4, 4, 1)), i), ValueError, r"grad_output must have the forward"),
        (
            lambda v, i: pool(np.ones((1, 4, 4, 1)), 2, mode="avg", return_indices=True),
            ValueError,
            r"return_indices needs mode",
        ),
        (
            lambda v, i: pool(np.ones((1, 4, 4, 1)), 2, return_indices="yes"),
            TypeError,
            r"return_indices must be True or False",
        ),
    ],
)
def test_bad_arguments_are_refused_before_any_write(call, error, match):
    values, indices = pool(np.arange(16.0).reshape(1, 4, 4, 1), 2, return_indices=True)
    kept = values.copy(), indices.copy()
    with pytest.raises(error, match=match):
        call(values, indices)
    np.testing.assert_array_equal(values, kept[0])
    np.testing.assert_array_equal(indices, kept[1])


def test_dask_door_equals_numpy():
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(6)
    x = rng.integers(0, 4, (5, 9, 8, 4)).astype(np.float64)
    lazy = da.from_array(x, chunks=(2, 4, 3, 2))
    values, indices = pool(lazy, 3, 2, padding=1, return_indices=True)
    expected_values, expected_indices = pool(x, 3, 2, padding=1, return_indices=True)
    np.testing.assert_array_equal(indices.compute(), expected_indices)
    np.testing.assert_array_equal(
        unpool(values, indices, (9, 8)).compute(), unpool(expected_values, expected_indices, (9, 8))
    )
    grad = rng.standard_normal(x.shape)
    np.testing.assert_array_equal(
        unpool_backward(da.from_array(grad, chunks=(3, 9, 8, 1)), indices).compute(),
        unpool_backward(grad, expected_indices),
    )


def test_array_api_door_equals_numpy():
    rng = np.random.default_rng(7)
    x = rng.integers(0, 4, (2, 7, 6, 3)).astype(np.float64)
    values, indices = pool(torch.from_numpy(x), 3, 2, padding=1, return_indices=True)
    assert isinstance(indices, torch.Tensor) and indices.dtype == torch.int64
    expected_values, expected_indices = pool(x, 3, 2, padding=1, return_indices=True)
    np.testing.assert_array_equal(indices.numpy(), expected_indices)
    out = unpool(values, indices, (7, 6))
    assert isinstance(out, torch.Tensor)
    np.testing.assert_array_equal(out.numpy(), unpool(expected_values, expected_indices, (7, 6)))
    grad = rng.standard_normal(x.shape)
    np.testing.assert_array_equal(
        unpool_backward(torch.from_numpy(grad), indices).numpy(), unpool_backward(grad, expected_indices)
    )
