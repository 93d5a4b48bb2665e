"""Issue 27's operators on signals and volumes: LP pooling, max-pool indices, ``layout=`` and ``out=`` in 1-D and 3-D.

PyTorch (torch==2.13.0) in float64 is the oracle for LP pooling (``lp_pool1d``/``lp_pool3d``, forward and
autograd) and for the indices of ``max_pool1d``/``max_pool3d`` (flat into the unpadded signal or volume,
first winner on ties); ``layout='channels_first'`` must equal the channels-last result moved, and ``out=``
the returned result, with no input written.
"""

from __future__ import annotations

import numpy as np
import pytest

import convpool

torch = pytest.importorskip("torch")
F = torch.nn.functional

LP = {1: F.lp_pool1d, 3: F.lp_pool3d}
MAX = {1: F.max_pool1d, 3: F.max_pool3d}


def first(x: np.ndarray) -> np.ndarray:
    """Channels-last ``(m, *spatial, c)`` as channels-first ``(m, c, *spatial)``."""
    return np.moveaxis(x, -1, 1)


@pytest.mark.parametrize("rank", [1, 3])
@pytest.mark.parametrize(("p", "kernel", "stride", "ceil"), [(2.0, 2, 2, False), (3.0, 3, 2, True), (1.5, 2, 1, False)])
def test_lp_pooling_and_its_gradient_agree_with_torch(rank, p, kernel, stride, ceil):
    rng = np.random.default_rng(rank)
    x = rng.random((2, *(7,) * rank, 3)) + 0.1  # positive: a fractional p of a negative cell is NaN in both
    grad = rng.standard_normal(convpool.pool(x, (kernel,) * rank, stride, "lp", p=p, ceil_mode=ceil).shape)
    t = torch.tensor(first(x).copy(), requires_grad=True)
    expected = LP[rank](t, p, kernel, stride, ceil_mode=ceil)
    (expected_grad,) = torch.autograd.grad(expected, t, torch.tensor(first(grad).copy()))
    ours = convpool.pool(x, (kernel,) * rank, stride, "lp", p=p, ceil_mode=ceil)
    ours_grad = convpool.pool_backward(grad, x, (kernel,) * rank, stride, "lp", p=p, ceil_mode=ceil)
    np.testing.assert_allclose(ours, np.moveaxis(expected.detach().numpy(), 1, -1), rtol=1e-12)
    np.testing.assert_allclose(ours_grad, np.moveaxis(expected_grad.numpy(), 1, -1), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("rank", [1, 3])
@pytest.mark.parametrize(("kernel", "stride", "padding", "dilation"), [(2, 2, 0, 1), (3, 2, 1, 1), (2, 1, 1, 2)])
def test_max_pool_indices_agree_with_torch_on_ties(rank, kernel, stride, padding, dilation):
    rng = np.random.default_rng(7)
    x = rng.integers(0, 3, (2, *(6,) * rank, 2)).astype(np.float64)  # many ties
    values, indices = convpool.pool(
        x, (kernel,) * rank, stride, padding=padding, dilation=dilation, return_indices=True
    )
    t_values, t_indices = MAX[rank](
        torch.tensor(first(x).copy()), kernel, stride, padding, dilation, return_indices=True
    )
    np.testing.assert_array_equal(values, np.moveaxis(t_values.numpy(), 1, -1))
    np.testing.assert_array_equal(indices, np.moveaxis(t_indices.numpy(), 1, -1))


CALLS = {
    "convolve": lambda x, layout, **kw: convpool.convolve(
        x, np.ones((2,) * (x.ndim - 2) + (3, 4)), 1, layout=layout, **kw
    ),
    "pool": lambda x, layout, **kw: convpool.pool(x, (2,) * (x.ndim - 2), 1, "avg", layout=layout, **kw),
    "lp": lambda x, layout, **kw: convpool.pool(x, (2,) * (x.ndim - 2), 1, "lp", p=2, layout=layout, **kw),
}


@pytest.mark.parametrize("rank", [1, 3])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_channels_first_equals_channels_last_moved(rank, name):
    x = np.random.default_rng(rank).random((2, *(5,) * rank, 3))
    kept = x.copy()
    last = CALLS[name](x, "channels_last")
    ours = CALLS[name](first(x), "channels_first")
    np.testing.assert_array_equal(ours, first(last))
    np.testing.assert_array_equal(x, kept)


@pytest.mark.parametrize("rank", [1, 3])
@pytest.mark.parametrize("layout", ["channels_last", "channels_first"])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_out_receives_the_result(rank, layout, name):
    x = np.random.default_rng(rank).random((2, *(5,) * rank, 3))
    x = first(x).copy() if layout == "channels_first" else x
    kept = x.copy()
    expected = CALLS[name](x, layout)
    out = np.full(expected.shape, np.nan)
    assert CALLS[name](x, layout, out=out) is out
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(x, kept)


def _dask(x):
    da = pytest.importorskip("dask.array")
    return da.from_array(x, chunks=(1, *(3,) * (x.ndim - 2), x.shape[-1]))  # spatial chunks smaller than a volume


@pytest.mark.parametrize("door", ["dask", "torch"])
@pytest.mark.parametrize("rank", [1, 3])
def test_the_other_doors_give_numpys_lp_indices_and_layout(door, rank):
    x = np.random.default_rng(rank).random((2, *(6,) * rank, 3))
    wrap = _dask if door == "dask" else torch.tensor

    def numpy_of(result):
        return result.compute() if door == "dask" else result.numpy()

    window = (2,) * rank
    lp = convpool.pool(wrap(x), window, 2, "lp", p=3.0)
    np.testing.assert_allclose(numpy_of(lp), convpool.pool(x, window, 2, "lp", p=3.0), rtol=1e-12)
    _, indices = convpool.pool(wrap(x), window, 2, return_indices=True)
    np.testing.assert_array_equal(numpy_of(indices), convpool.pool(x, window, 2, return_indices=True)[1])
    moved = convpool.pool(wrap(first(x).copy()), window, 2, layout="channels_first")
    np.testing.assert_array_equal(numpy_of(moved), first(convpool.pool(x, window, 2)))


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_lp_pooling_of_a_negative_sum_is_nan_without_a_warning(rank):
    """As PyTorch: a fractional power of a negative sum is NaN, a value in the result, not a warning."""
    x = -np.ones((1, *(2,) * rank, 1))
    assert np.isnan(convpool.pool(x, (2,) * rank, mode="lp", p=1.5)).all()
    grad = convpool.pool_backward(np.ones((1, *(1,) * rank, 1)), x, (2,) * rank, mode="lp", p=1.5)
    assert np.isnan(grad).all()
