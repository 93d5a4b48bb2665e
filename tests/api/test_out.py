"""``out=`` on convolve, pool and the backward passes: the same values as the returned result, in the array given.

Every bad ``out`` (shape, dtype, type, read-only, memory shared with an input, a Dask call)
is refused before any work, and no input is ever written.
"""

from __future__ import annotations

import numpy as np
import pytest

import convpool as cp
from convpool._backends import numpy as numpy_backend

RNG = np.random.default_rng(21)
X = RNG.standard_normal((2, 7, 6, 3))
K = RNG.standard_normal((3, 2, 3, 4))
G_CONV = RNG.standard_normal(cp.convolve(X, K, "same", 2).shape)
G_POOL = RNG.standard_normal(cp.pool(X, 3, 2, padding=1).shape)

CALLS = {  # name -> call(out=..., layout=..., batch=...)
    "convolve": lambda b, **kw: cp.convolve(b(X), K, "same", 2, **kw),
    "pool": lambda b, **kw: cp.pool(b(X), 3, 2, padding=1, **kw),
    "pool_avg": lambda b, **kw: cp.pool(b(X), 3, 2, "avg", padding=1, **kw),
    "pool_backward": lambda b, **kw: cp.pool_backward(b(G_POOL), b(X), 3, 2, padding=1, **kw),
}


def _same(a):
    return a


def _first(a):
    return a.transpose(0, 3, 1, 2)


@pytest.mark.parametrize("layout", ["channels_last", "channels_first"])
@pytest.mark.parametrize("name", list(CALLS))
def test_out_holds_the_returned_result(name, layout):
    batch = _first if layout == "channels_first" else _same
    expected = CALLS[name](batch, layout=layout)
    kept = X.copy(), G_POOL.copy()
    out = np.full(expected.shape, np.nan, dtype=expected.dtype)
    result = CALLS[name](batch, layout=layout, out=out)
    assert result is out
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(X, kept[0])
    np.testing.assert_array_equal(G_POOL, kept[1])


@pytest.mark.parametrize("wrt", ["both", "images", "kernels"])
def test_convolve_backward_out_is_a_pair(wrt):
    gx, gk = cp.convolve_backward(G_CONV, X, K, "same", 2, wrt=wrt)
    out = (None if gx is None else np.empty_like(gx), None if gk is None else np.empty_like(gk))
    result = cp.convolve_backward(G_CONV, X, K, "same", 2, wrt=wrt, out=out)
    for r, o, e in zip(result, out, (gx, gk), strict=True):
        assert r is o
        if e is not None:
            np.testing.assert_array_equal(o, e)
    partly = cp.convolve_backward(
        G_CONV, X, K, "same", 2, out=(None, np.empty_like(cp.convolve_backward(G_CONV, X, K, "same", 2)[1]))
    )
    np.testing.assert_array_equal(partly[0], cp.convolve_backward(G_CONV, X, K, "same", 2)[0])


def _never(*args, **kwargs):
    raise AssertionError("the backend ran before out= was checked")


BAD = [
    (
        lambda: np.empty((2, 4, 3, 3)),
        ValueError,
        r"out must have the result's shape \(2, 4, 3, 4\), got shape \(2, 4, 3, 3\)",
    ),
    (lambda: np.empty((2, 4, 3, 4), np.float32), ValueError, r"out must have the result's dtype float64, got float32"),
    (lambda: [[0.0]], TypeError, r"out must be a NumPy array \(numpy.ndarray\) or None, got list"),
    (lambda: np.broadcast_to(0.0, (2, 4, 3, 4)), ValueError, r"out is read-only"),
]


@pytest.mark.parametrize(("make", "error", "match"), BAD)
def test_a_bad_out_is_refused_before_any_work(make, error, match, monkeypatch):
    monkeypatch.setattr(numpy_backend, "correlate", _never)
    with pytest.raises(error, match=match):
        cp.convolve(X, K, "same", 2, out=make())


def test_out_sharing_memory_with_an_input_is_refused(monkeypatch):
    monkeypatch.setattr(numpy_backend, "pool", _never)
    monkeypatch.setattr(numpy_backend, "pool_backward", _never)
    monkeypatch.setattr(numpy_backend, "correlate_backward", _never)
    x = X.copy()
    before = x.copy()
    with pytest.raises(ValueError, match=r"out shares memory with images"):
        cp.pool(x, 1, 1, out=x)  # pooling in place would read cells already written
    xf = x.transpose(0, 3, 1, 2)  # the same memory, channels-first
    with pytest.raises(ValueError, match=r"out shares memory with images"):
        cp.pool(xf, 1, 1, layout="channels_first", out=xf)
    g = x.copy()
    with pytest.raises(ValueError, match=r"out shares memory with grad_output"):
        cp.pool_backward(g, x, 1, 1, out=g[::-1])  # a view of grad_output's memory
    k = K.copy()
    with pytest.raises(ValueError, match=r"out\[1\] shares memory with kernels"):
        cp.convolve_backward(G_CONV, X, k, "same", 2, out=(None, k))
    np.testing.assert_array_equal(x, before)


def test_convolve_backward_out_must_follow_wrt():
    gk = np.empty_like(K)
    with pytest.raises(ValueError, match=r"out gives an array for a gradient wrt='images' does not compute"):
        cp.convolve_backward(G_CONV, X, K, "same", 2, wrt="images", out=(None, gk))
    with pytest.raises(TypeError, match=r"out must be None or a pair"):
        cp.convolve_backward(G_CONV, X, K, "same", 2, out=gk)


def test_dask_calls_take_no_out():
    da = pytest.importorskip("dask.array")
    with pytest.raises(TypeError, match=r"out= is for NumPy inputs only"):
        cp.pool(da.from_array(X), 2, out=np.empty((2, 3, 3, 3)))


@pytest.mark.parametrize("layout", ["channels_last", "channels_first"])
def test_pool_writes_into_out_without_a_result_sized_temporary(layout):
    """The blocked engine writes each block into ``out``: the call's peak allocation is a block, not a result."""
    import tracemalloc

    x = np.random.default_rng(22).standard_normal((8, 256, 256, 8))  # above the small-work path
    if layout == "channels_first":
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    expected = cp.pool(x, 2, threads=1, layout=layout)
    out = np.empty_like(expected)
    peaks = []
    for given in (None, out):
        tracemalloc.start()
        result = cp.pool(x, 2, threads=1, layout=layout, out=given)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert result is out
    np.testing.assert_array_equal(out, expected)
    assert peaks[0] >= out.nbytes  # without out=: the result is allocated
    assert peaks[1] < out.nbytes / 4, peaks  # with it: only the engine's working blocks
