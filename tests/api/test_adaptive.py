"""Adaptive and global pooling: PyTorch's ``adaptive_avg_pool2d`` / ``adaptive_max_pool2d`` as the oracle.

Forward, indices and autograd in float64 and float32 on sizes that do not divide (and outputs
larger than the input); min and sum against a naive loop over the windows; ties; the Dask and
array-API doors against the NumPy one; the checks.
"""

from __future__ import annotations

import numpy as np
import pytest

from convpool import adaptive_pool, adaptive_pool_backward, pool
from convpool._plan._shapes import adaptive_windows

torch = pytest.importorskip("torch")
F = torch.nn.functional

TOL = {np.float64: 1e-12, np.float32: 1e-5}
SHAPES = [  # (images shape, output_shape)
    ((2, 7, 5, 3), (3, 2)),
    ((1, 10, 9, 2), (4, 7)),
    ((3, 4, 6, 1), (6, 9)),  # larger than the input: windows repeat cells
    ((2, 8, 8, 4), (4, 4)),  # divides: plain side-by-side windows
    ((2, 5, 6, 3), 1),  # global pooling
    ((1, 5, 7, 2), (None, 3)),  # None keeps the height
]


def _nchw(x):
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


def _nhwc(t):
    return t.detach().numpy().transpose(0, 2, 3, 1)


def test_windows_are_pytorchs():
    assert adaptive_windows(5, 3) == ((0, 2), (1, 4), (3, 5))
    assert adaptive_windows(10, 4) == ((0, 3), (2, 5), (5, 8), (7, 10))
    assert adaptive_windows(2, 3) == ((0, 1), (0, 2), (1, 2))
    assert adaptive_windows(6, 3) == ((0, 2), (2, 4), (4, 6))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("shape", "size"), SHAPES)
def test_avg_matches_torch(shape, size, dtype):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(dtype)
    t = _nchw(x).requires_grad_(True)
    expected = F.adaptive_avg_pool2d(t, size)
    ours = adaptive_pool(x, size)
    assert ours.dtype == dtype
    np.testing.assert_allclose(ours, _nhwc(expected), rtol=TOL[dtype], atol=TOL[dtype])
    grad = rng.standard_normal(ours.shape).astype(dtype)
    (expected_grad,) = torch.autograd.grad(expected, t, _nchw(grad))
    ours_grad = adaptive_pool_backward(grad, x, size)
    assert ours_grad.dtype == dtype
    np.testing.assert_allclose(ours_grad, _nhwc(expected_grad), rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("shape", "size"), SHAPES)
def test_max_and_indices_match_torch(shape, size, dtype):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape).astype(dtype)
    t = _nchw(x).requires_grad_(True)
    expected, expected_indices = F.adaptive_max_pool2d(t, size, return_indices=True)
    ours, indices = adaptive_pool(x, size, mode="max", return_indices=True)
    np.testing.assert_array_equal(ours, _nhwc(expected))
    np.testing.assert_array_equal(indices, _nhwc(expected_indices))
    assert indices.dtype == np.int64
    grad = rng.standard_normal(ours.shape).astype(dtype)
    (expected_grad,) = torch.autograd.grad(expected, t, _nchw(grad))
    ours_grad = adaptive_pool_backward(grad, x, size, "max")
    np.testing.assert_allclose(ours_grad, _nhwc(expected_grad), rtol=TOL[dtype], atol=TOL[dtype])


def test_ties_go_to_the_first_winner_as_in_torch():
    """Plateaus of equal values, overlapping windows: the first cell in row-major order wins."""
    x = np.array([[1, 3, 3, 0, 3], [3, 3, 2, 3, 3], [0, 3, 3, 3, 1]], dtype=np.float64).reshape(1, 3, 5, 1)
    t = _nchw(x).requires_grad_(True)
    expected, expected_indices = F.adaptive_max_pool2d(t, (2, 3), return_indices=True)
    ours, indices = adaptive_pool(x, (2, 3), mode="max", return_indices=True)
    np.testing.assert_array_equal(indices[0, :, :, 0], [[1, 1, 4], [5, 6, 8]])
    np.testing.assert_array_equal(indices, _nhwc(expected_indices))
    (expected_grad,) = torch.autograd.grad(expected, t, torch.ones_like(expected))
    np.testing.assert_array_equal(adaptive_pool_backward(np.ones(ours.shape), x, (2, 3), "max"), _nhwc(expected_grad))


def _naive(x, size, reduce):
    """A loop over PyTorch's windows."""
    oh, ow = size
    rows, cols = adaptive_windows(x.shape[1], oh), adaptive_windows(x.shape[2], ow)
    out = np.empty((x.shape[0], oh, ow, x.shape[3]))
    for i, (r0, r1) in enumerate(rows):
        for j, (c0, c1) in enumerate(cols):
            out[:, i, j] = reduce(x[:, r0:r1, c0:c1], axis=(1, 2))
    return out


@pytest.mark.parametrize(("mode", "reduce"), [("min", np.min), ("sum", np.sum), ("max", np.max), ("avg", np.mean)])
@pytest.mark.parametrize("size", [(3, 2), (4, 7), (1, 1)])
def test_every_mode_matches_a_loop(mode, reduce, size):
    x = np.random.default_rng(3).integers(-50, 50, (2, 7, 5, 3))
    ours = adaptive_pool(x, size, mode)
    assert ours.dtype == (x.dtype if mode in ("max", "min") else np.float64)
    np.testing.assert_allclose(ours, _naive(x, size, reduce), rtol=1e-12)


@pytest.mark.parametrize("mode", ["min", "sum"])
def test_min_and_sum_gradients_are_adjoint(mode):
    """``<adaptive_pool(x), g> == <x, adaptive_pool_backward(g, x)>`` for sum (linear), and min by its winners."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 7, 5, 3))
    grad = rng.standard_normal((2, 3, 4, 3))
    ours = adaptive_pool_backward(grad, x, (3, 4), mode)
    if mode == "sum":
        np.testing.assert_allclose((adaptive_pool(x, (3, 4), "sum") * grad).sum(), (x * ours).sum(), rtol=1e-12)
    else:
        values, indices = adaptive_pool(x, (3, 4), "min", return_indices=True)
        flat = x.reshape(2, -1, 3)
        np.testing.assert_array_equal(
            np.take_along_axis(flat, indices.reshape(2, -1, 3), axis=1), values.reshape(2, -1, 3)
        )
        expected = torch.autograd.grad(*_torch_max_of(-x, (3, 4), grad))[0]  # min(x) = -max(-x)
        np.testing.assert_allclose(ours, _nhwc(expected), rtol=1e-12)


def _torch_max_of(x, size, grad):
    t = _nchw(x).requires_grad_(True)
    return F.adaptive_max_pool2d(t, size), t, _nchw(grad)


def test_global_pooling_equals_pool_over_the_whole_image():
    x = np.random.default_rng(5).standard_normal((3, 6, 4, 2))
    for mode in ("avg", "max", "min", "sum"):
        np.testing.assert_allclose(adaptive_pool(x, 1, mode), pool(x, (6, 4), mode=mode), rtol=1e-12)


def test_integer_and_bool_images():
    x = np.arange(24, dtype=np.uint8).reshape(1, 4, 6, 1) * 10  # sums past 255 never wrap
    np.testing.assert_array_equal(adaptive_pool(x, 1, "sum"), [[[[sum(range(24)) * 10]]]])
    assert adaptive_pool(x, 2, "max").dtype == np.uint8
    assert adaptive_pool(x > 100, (2, 3), "max").dtype == np.bool_
    assert adaptive_pool(x, 2, "max", dtype=np.float32).dtype == np.float32


def test_inputs_are_not_modified_and_results_are_new():
    x = np.random.default_rng(6).standard_normal((2, 4, 4, 2))
    before = x.copy()
    out = adaptive_pool(x, (4, 4), "max")
    grad = adaptive_pool_backward(out, x, (4, 4), "max")
    np.testing.assert_array_equal(x, before)
    assert not np.shares_memory(out, x) and not np.shares_memory(grad, x)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: adaptive_pool(x, 0), ValueError, r"output_shape must be an int or 2 ints or None.*got 0"),
        (lambda x: adaptive_pool(x, (2, 2, 2)), ValueError, r"output_shape must be .*got 3 values"),
        (lambda x: adaptive_pool(x, 2.0), TypeError, r"output_shape must be .*got 2.0"),
        (lambda x: adaptive_pool(x, (2, True)), TypeError, r"output_shape must be"),
        (lambda x: adaptive_pool(x, 2, "mean"), ValueError, r"mode must be one of 'avg', 'max', 'min', 'sum'"),
        (lambda x: adaptive_pool(x, 2, "avg", return_indices=True), ValueError, r"return_indices needs mode"),
        (lambda x: adaptive_pool(x, 2, "max", return_indices=1), TypeError, r"return_indices must be True or False"),
        (lambda x: adaptive_pool(x[0], 2), ValueError, r"images must be a 4-D array"),
        (lambda x: adaptive_pool(x[:, :0], 2), ValueError, r"images must not be empty"),
        (lambda x: adaptive_pool(x, 2, dtype=np.int32), ValueError, r"dtype must be float32 or float64"),
        (
            lambda x: adaptive_pool_backward(np.ones((1, 3, 3, 2)), x, 2),
            ValueError,
            r"grad_output must have the forward output's shape \(1, 2, 2, 2\)",
        ),
    ],
)
def test_bad_arguments_are_refused(call, error, match):
    x = np.ones((1, 5, 5, 2))
    with pytest.raises(error, match=match):
        call(x)


def test_dask_door_equals_numpy():
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(7)
    x = rng.standard_normal((5, 9, 7, 4))
    lazy = da.from_array(x, chunks=(2, 4, 3, 2))
    for mode in ("avg", "max", "min", "sum"):
        out = adaptive_pool(lazy, (4, 3), mode)
        assert isinstance(out, da.Array)
        np.testing.assert_allclose(out.compute(), adaptive_pool(x, (4, 3), mode), rtol=1e-12)
        grad = rng.standard_normal((5, 4, 3, 4))
        np.testing.assert_allclose(
            adaptive_pool_backward(da.from_array(grad, chunks=(3, 2, 3, 1)), lazy, (4, 3), mode).compute(),
            adaptive_pool_backward(grad, x, (4, 3), mode),
            rtol=1e-12,
        )
    values, indices = adaptive_pool(lazy, (4, 3), "max", return_indices=True)
    np.testing.assert_array_equal(indices.compute(), adaptive_pool(x, (4, 3), "max", return_indices=True)[1])


def test_array_api_door_equals_numpy():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 7, 5, 3))
    grad = rng.standard_normal((2, 3, 2, 3))
    out, indices = adaptive_pool(torch.from_numpy(x), (3, 2), "max", return_indices=True)
    assert isinstance(out, torch.Tensor) and indices.dtype == torch.int64
    expected, expected_indices = F.adaptive_max_pool2d(_nchw(x), (3, 2), return_indices=True)
    np.testing.assert_array_equal(out.numpy(), _nhwc(expected))
    np.testing.assert_array_equal(indices.numpy(), _nhwc(expected_indices))
    ours_grad = adaptive_pool_backward(torch.from_numpy(grad), torch.from_numpy(x), (3, 2))
    np.testing.assert_allclose(ours_grad.numpy(), adaptive_pool_backward(grad, x, (3, 2)), rtol=1e-12)
