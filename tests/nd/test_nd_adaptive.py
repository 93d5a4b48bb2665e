"""Adaptive pooling and unpooling of signals and volumes, ``layout=`` and ``out=`` on them.

PyTorch (torch==2.13.0) is the oracle: ``adaptive_avg_pool1d``/``3d`` and ``adaptive_max_pool1d``/``3d``
(with ``return_indices``) and ``max_unpool1d``/``3d``, forward and autograd, in float64 and float32, on
sizes the output does not divide. ``min`` and ``sum`` are checked against a loop over PyTorch's window
rule written here. Channels-first must equal channels-last moved, ``out=`` the returned result with no
input written, and the Dask and torch doors NumPy's.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import convpool
from convpool._backends import numpy as numpy_backend

torch = pytest.importorskip("torch")
F = torch.nn.functional

AVG = {1: F.adaptive_avg_pool1d, 3: F.adaptive_avg_pool3d}
MAX = {1: F.adaptive_max_pool1d, 3: F.adaptive_max_pool3d}
MAX_POOL = {1: F.max_pool1d, 3: F.max_pool3d}
UNPOOL = {1: F.max_unpool1d, 3: F.max_unpool3d}
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}
TOL = {np.float64: {"rtol": 1e-12, "atol": 1e-12}, np.float32: {"rtol": 2e-5, "atol": 2e-6}}

#: (input spatial size, output size) per rank; none of the outputs divides its input
SIZES = {1: [((7,), (3,)), ((5,), (8,))], 3: [((5, 7, 6), (2, 3, 4)), ((3, 4, 5), (4, 3, 2))]}
CASES = [(rank, spatial, out) for rank, pairs in SIZES.items() for spatial, out in pairs]


def first(x: np.ndarray) -> np.ndarray:
    """Channels-last ``(m, *spatial, c)`` as channels-first ``(m, c, *spatial)``."""
    return np.moveaxis(x, -1, 1)


def last(t) -> np.ndarray:
    """A channels-first torch tensor as a channels-last NumPy array."""
    return np.moveaxis(t.detach().numpy(), 1, -1)


def tensor(x: np.ndarray, grad: bool = False):
    return torch.tensor(first(x).copy(), requires_grad=grad)


def loop_adaptive(x: np.ndarray, out: tuple[int, ...], reduce) -> np.ndarray:
    """Each output cell the ``reduce`` of its window ``[floor(i n / o), ceil((i + 1) n / o))`` on every axis."""
    spatial = x.shape[1:-1]
    result = np.empty((x.shape[0], *out, x.shape[-1]))
    for cell in itertools.product(*(range(o) for o in out)):
        window = tuple(
            slice(i * n // o, math.ceil((i + 1) * n / o)) for i, n, o in zip(cell, spatial, out, strict=True)
        )
        block = x[(slice(None), *window, slice(None))]
        result[(slice(None), *cell, slice(None))] = reduce(block.reshape(x.shape[0], -1, x.shape[-1]), axis=1)
    return result


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("rank", "spatial", "size"), CASES)
def test_adaptive_avg_and_its_gradient_agree_with_torch(rank, spatial, size, dtype):
    rng = np.random.default_rng(rank)
    x = rng.standard_normal((2, *spatial, 3)).astype(dtype)
    grad = rng.standard_normal((2, *size, 3)).astype(dtype)
    t = tensor(x, grad=True)
    expected = AVG[rank](t, size)
    (expected_grad,) = torch.autograd.grad(expected, t, tensor(grad))
    ours = convpool.adaptive_pool(x, size)
    assert ours.dtype == dtype and ours.shape == (2, *size, 3)
    np.testing.assert_allclose(ours, last(expected), **TOL[dtype])
    ours_grad = convpool.adaptive_pool_backward(grad, x, size)
    assert ours_grad.dtype == dtype
    np.testing.assert_allclose(ours_grad, last(expected_grad), **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("rank", "spatial", "size"), CASES)
def test_adaptive_max_indices_and_gradient_agree_with_torch(rank, spatial, size, dtype):
    rng = np.random.default_rng(10 + rank)
    x = rng.standard_normal((2, *spatial, 3)).astype(dtype)
    grad = rng.standard_normal((2, *size, 3)).astype(dtype)
    t = tensor(x, grad=True)
    expected, expected_indices = MAX[rank](t, size, return_indices=True)
    (expected_grad,) = torch.autograd.grad(expected, t, tensor(grad))
    values, indices = convpool.adaptive_pool(x, size, "max", return_indices=True)
    np.testing.assert_array_equal(values, last(expected))
    np.testing.assert_array_equal(indices, last(expected_indices))
    np.testing.assert_allclose(convpool.adaptive_pool_backward(grad, x, size, "max"), last(expected_grad), **TOL[dtype])


@pytest.mark.parametrize("rank", [1, 3])
def test_adaptive_max_ties_go_to_the_first_winner_as_in_torch(rank):
    x = np.random.default_rng(rank).integers(0, 2, (2, *(5,) * rank, 2)).astype(np.float64)  # many ties
    size = (3,) * rank  # overlapping windows
    values, indices = convpool.adaptive_pool(x, size, "max", return_indices=True)
    expected, expected_indices = MAX[rank](tensor(x), size, return_indices=True)
    np.testing.assert_array_equal(values, last(expected))
    np.testing.assert_array_equal(indices, last(expected_indices))


@pytest.mark.parametrize(("mode", "reduce"), [("min", np.min), ("sum", np.sum), ("max", np.max), ("avg", np.mean)])
@pytest.mark.parametrize(("rank", "spatial", "size"), CASES)
def test_every_mode_matches_a_loop_over_the_windows(rank, spatial, size, mode, reduce):
    x = np.random.default_rng(20 + rank).standard_normal((2, *spatial, 2))
    np.testing.assert_allclose(convpool.adaptive_pool(x, size, mode), loop_adaptive(x, size, reduce), rtol=1e-12)


@pytest.mark.parametrize("rank", [1, 3])
def test_none_keeps_an_axis_and_one_is_global_pooling(rank):
    x = np.random.default_rng(rank).standard_normal((2, *(4,) * rank, 3))
    np.testing.assert_allclose(
        convpool.adaptive_pool(x, (1,) * rank), x.mean(axis=tuple(range(1, rank + 1)), keepdims=True)
    )
    size = (None, *(2,) * (rank - 1))  # torch's 3-D None; its 1-D pooling takes only ints
    expected = AVG[rank](tensor(x), (4, *size[1:]))
    np.testing.assert_allclose(convpool.adaptive_pool(x, size), last(expected), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    ("rank", "kernel", "stride", "padding"), [(1, 3, 2, 1), (1, 2, 2, 0), (3, 2, 2, 0), (3, 3, 2, 1)]
)
def test_unpool_and_its_gradient_agree_with_torch(rank, kernel, stride, padding, dtype):
    rng = np.random.default_rng(30 + rank)
    spatial = (9,) if rank == 1 else (5, 7, 6)
    x = rng.standard_normal((2, *spatial, 3)).astype(dtype)
    values, indices = convpool.pool(x, (kernel,) * rank, stride, padding=padding, return_indices=True)
    t_values, t_indices = MAX_POOL[rank](tensor(x), kernel, stride, padding, return_indices=True)
    np.testing.assert_array_equal(indices, last(t_indices))
    t_values = t_values.detach().requires_grad_(True)
    expected = UNPOOL[rank](t_values, t_indices, kernel, stride, padding, output_size=spatial)
    grad = rng.standard_normal(expected.shape).astype(dtype)  # channels-first, as torch's result
    (expected_grad,) = torch.autograd.grad(expected, t_values, torch.tensor(grad))
    ours = convpool.unpool(values, indices, spatial)
    assert ours.dtype == dtype
    np.testing.assert_array_equal(ours, last(expected))
    np.testing.assert_array_equal(convpool.unpool_backward(np.moveaxis(grad, 1, -1), indices), last(expected_grad))


@pytest.mark.parametrize("rank", [1, 3])
def test_unpool_of_adaptive_indices_puts_the_winners_back(rank):
    x = np.random.default_rng(rank).standard_normal((2, *(6,) * rank, 2))
    values, indices = convpool.adaptive_pool(x, (3,) * rank, "max", return_indices=True)
    back = convpool.unpool(values, indices, (6,) * rank)
    kept = back != 0
    assert kept.sum() == values.size  # windows side by side here: one winner each
    np.testing.assert_array_equal(back[kept], x[kept])


CALLS = {  # name -> call(x, layout, **kw) on channels-last or channels-first batches of rank 1, 2 or 3
    "adaptive_pool": lambda x, r, layout, **kw: convpool.adaptive_pool(x, (3,) * r, "max", layout=layout, **kw),
    "adaptive_avg": lambda x, r, layout, **kw: convpool.adaptive_pool(x, (2,) * r, layout=layout, **kw),
    "unpool": lambda x, r, layout, **kw: convpool.unpool(
        *convpool.pool(x, (2,) * r, 2, return_indices=True, layout=layout), (5,) * r, layout=layout, **kw
    ),
}


def _rank_of(call_rank: int, layout: str, x: np.ndarray) -> np.ndarray:
    return first(x).copy() if layout == "channels_first" else x


@pytest.mark.parametrize("rank", [1, 3])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_channels_first_equals_channels_last_moved(rank, name):
    x = np.random.default_rng(rank).standard_normal((2, *(5,) * rank, 3))
    kept = x.copy()
    np.testing.assert_array_equal(
        CALLS[name](first(x), rank, "channels_first"), first(CALLS[name](x, rank, "channels_last"))
    )
    np.testing.assert_array_equal(x, kept)


@pytest.mark.parametrize("rank", [1, 3])
def test_channels_first_backward_passes_and_indices(rank):
    rng = np.random.default_rng(rank)
    x = rng.standard_normal((2, *(5,) * rank, 3))
    size = (3,) * rank
    grad = rng.standard_normal((2, *size, 3))
    for mode in ("avg", "max"):
        moved = convpool.adaptive_pool_backward(first(grad), first(x), size, mode, layout="channels_first")
        np.testing.assert_array_equal(moved, first(convpool.adaptive_pool_backward(grad, x, size, mode)))
    _, indices = convpool.adaptive_pool(first(x), size, "max", return_indices=True, layout="channels_first")
    _, expected = convpool.adaptive_pool(x, size, "max", return_indices=True)
    np.testing.assert_array_equal(indices, first(expected))
    g = rng.standard_normal((2, *(5,) * rank, 3))
    moved = convpool.unpool_backward(first(g), indices, layout="channels_first")
    np.testing.assert_array_equal(moved, first(convpool.unpool_backward(g, expected)))


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("layout", ["channels_last", "channels_first"])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_out_receives_the_result(rank, layout, name):
    x = np.random.default_rng(rank).standard_normal((2, *(5,) * rank, 3))
    x = first(x).copy() if layout == "channels_first" else x
    kept = x.copy()
    expected = CALLS[name](x, rank, layout)
    out = np.full(expected.shape, np.nan)
    assert CALLS[name](x, rank, layout, out=out) is out
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(x, kept)


def test_out_with_return_indices_holds_the_values():
    x = np.random.default_rng(1).standard_normal((2, 5, 6, 7, 1))
    out = np.empty((2, 2, 3, 4, 1))
    values, indices = convpool.adaptive_pool(x, (2, 3, 4), "max", return_indices=True, out=out)
    assert values is out
    expected = convpool.adaptive_pool(x, (2, 3, 4), "max", return_indices=True)
    np.testing.assert_array_equal(out, expected[0])
    np.testing.assert_array_equal(indices, expected[1])


def _never(*args, **kwargs):
    raise AssertionError("the backend ran before out= was checked")


BAD_OUT = [
    (lambda: np.empty((2, 3, 2)), ValueError, r"out must have the result's shape \(2, 2, 2\), got shape \(2, 3, 2\)"),
    (lambda: np.empty((2, 2, 2), np.float32), ValueError, r"out must have the result's dtype float64, got float32"),
    (lambda: [[0.0]], TypeError, r"out must be a NumPy array \(numpy.ndarray\) or None, got list"),
    (lambda: np.broadcast_to(0.0, (2, 2, 2)), ValueError, r"out is read-only"),
]


@pytest.mark.parametrize(("make", "error", "match"), BAD_OUT)
def test_a_bad_out_is_refused_before_any_work(make, error, match, monkeypatch):
    monkeypatch.setattr(numpy_backend, "adaptive_pool", _never)
    x = np.ones((2, 5, 2))
    with pytest.raises(error, match=match):
        convpool.adaptive_pool(x, (2,), out=make())


def test_a_bad_unpool_out_is_refused_before_any_write(monkeypatch):
    monkeypatch.setattr(numpy_backend, "unpool", _never)
    x = np.arange(2 * 4 * 4 * 4.0).reshape(2, 4, 4, 4, 1)
    values, indices = convpool.pool(x, (2, 2, 2), return_indices=True)
    kept = values.copy()
    with pytest.raises(ValueError, match=r"out must have the result's shape \(2, 4, 4, 4, 1\)"):
        convpool.unpool(values, indices, (4, 4, 4), out=np.empty((2, 4, 4, 4)))
    with pytest.raises(ValueError, match=r"out shares memory with values"):
        convpool.unpool(values, indices, (2, 2, 2), out=values)
    with pytest.raises(ValueError, match=r"out shares memory with images"):
        convpool.adaptive_pool(x, (4, 4, 4), out=x)
    with pytest.raises(TypeError, match=r"out= is for NumPy inputs only"):
        convpool.unpool(torch.tensor(values), torch.tensor(indices), (4, 4, 4), out=np.empty(x.shape))
    np.testing.assert_array_equal(values, kept)


BAD = [
    (lambda x: convpool.adaptive_pool(x, (2, 2)), ValueError, r"output_shape has 2 spatial axes, images 3"),
    (lambda x: convpool.adaptive_pool(x, 2), ValueError, r"images must be a 4-D array.*an int output_shape means 2-D"),
    (lambda x: convpool.adaptive_pool(x[..., 0], (2, 2, 2)), ValueError, r"need a channel axis"),
    (
        lambda x: convpool.adaptive_pool(x[:, :0], (2, 2, 2)),
        ValueError,
        r"images must not be empty along d, h, w, c",
    ),
    (lambda x: convpool.adaptive_pool(x, (2, 0, 2)), ValueError, r"output_shape must be an int or 3 ints or None"),
    (
        lambda x: convpool.adaptive_pool_backward(np.ones((1, 2, 2, 1)), x, (2, 2, 2)),
        ValueError,
        r"grad_output must be a 5-D array of shape \(m, od, oh, ow, c\)",
    ),
    (lambda x: convpool.unpool(x, x.astype(int), (4, 4)), ValueError, r"output_shape has 2 spatial axes, values 3"),
    (lambda x: convpool.unpool(x, x[..., 0].astype(int), (4, 4, 4)), ValueError, r"indices must be a 5-D array"),
    (lambda x: convpool.unpool_backward(x[0], x.astype(int)), ValueError, r"grad_output must be a 5-D array"),
    (
        lambda x: convpool.unpool_backward(x, x.astype(int)[0, 0, 0]),
        ValueError,
        r"indices must be a 4-D array of shape \(m, oh, ow, c\), got 2-D shape \(4, 1\)$",
    ),
]


@pytest.mark.parametrize(("call", "error", "match"), BAD)
def test_a_mismatch_of_ranks_names_its_cause(call, error, match):
    x = np.ones((1, 4, 4, 4, 1))
    with pytest.raises(error, match=match):
        call(x)


def _dask(x):
    da = pytest.importorskip("dask.array")
    return da.from_array(x, chunks=(1, *(3,) * (x.ndim - 2), 1))  # batch, spatial and channel chunks


@pytest.mark.parametrize("door", ["dask", "torch"])
@pytest.mark.parametrize("rank", [1, 3])
def test_the_other_doors_give_numpys_results(door, rank):
    rng = np.random.default_rng(40 + rank)
    x = rng.standard_normal((3, *(7,) * rank, 2))
    size, spatial = (3,) * rank, (7,) * rank
    grad = rng.standard_normal((3, *size, 2))
    wrap = _dask if door == "dask" else torch.tensor

    def numpy_of(result):
        return result.compute() if door == "dask" else result.numpy()

    for mode in ("avg", "max", "sum"):
        np.testing.assert_allclose(
            numpy_of(convpool.adaptive_pool(wrap(x), size, mode)), convpool.adaptive_pool(x, size, mode), rtol=1e-12
        )
        np.testing.assert_allclose(
            numpy_of(convpool.adaptive_pool_backward(wrap(grad), wrap(x), size, mode)),
            convpool.adaptive_pool_backward(grad, x, size, mode),
            rtol=1e-12,
        )
    values, indices = convpool.adaptive_pool(x, size, "max", return_indices=True)
    np.testing.assert_array_equal(
        numpy_of(convpool.adaptive_pool(wrap(x), size, "max", return_indices=True)[1]), indices
    )
    np.testing.assert_array_equal(
        numpy_of(convpool.unpool(wrap(values), wrap(indices), spatial)), convpool.unpool(values, indices, spatial)
    )
    g = rng.standard_normal(x.shape)
    np.testing.assert_array_equal(
        numpy_of(convpool.unpool_backward(wrap(g), wrap(indices))), convpool.unpool_backward(g, indices)
    )
    moved = convpool.adaptive_pool(wrap(first(x).copy()), size, layout="channels_first")
    np.testing.assert_allclose(numpy_of(moved), first(convpool.adaptive_pool(x, size)), rtol=1e-12)
