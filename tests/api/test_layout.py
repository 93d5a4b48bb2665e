"""``layout='channels_first'``: every public array function, in every door, equals channels-last transposed.

Each call is made twice, on channels-last batches and on the same batches transposed to
``(m, c, h, w)`` with ``layout='channels_first'``; every batch result must be the first's
transposed (kernels and kernel gradients unchanged). The NumPy results are views of
channels-last arrays (no copy), inputs are never written, and a bad ``layout`` is refused.
"""

from __future__ import annotations

import numpy as np
import pytest

import convpool as cp

RNG = np.random.default_rng(11)
X = RNG.uniform(0.5, 1.5, (2, 7, 6, 3))  # positive: LP pooling with a fractional p is defined
K = RNG.standard_normal((3, 2, 3, 4))
KT = RNG.standard_normal((3, 2, 2, 3))  # convolve_transpose: (kh, kw, c, nc) with nc = X's channels
VALUES, INDICES = cp.pool(X, 2, 2, return_indices=True)


def _grad(shape):
    return np.random.default_rng(sum(shape)).standard_normal(shape)


G_CONV = _grad(cp.convolve(X, K, "same", 2).shape)
G_POOL = _grad(cp.pool(X, 3, 2, padding=1).shape)
G_ADAPT = _grad((2, 3, 4, 3))
G_T = _grad(cp.convolve_transpose(X, KT, "same", 2).shape)

# name -> (call(batch, layout), which positional results are batches)
CALLS = {
    "convolve": (lambda b, lay: cp.convolve(b(X), K, "same", 2, layout=lay), (0,)),
    "convolve_backward": (lambda b, lay: cp.convolve_backward(b(G_CONV), b(X), K, "same", 2, layout=lay), (0,)),
    "convolve_transpose": (lambda b, lay: cp.convolve_transpose(b(X), KT, "same", 2, layout=lay), (0,)),
    "convolve_transpose_backward": (
        lambda b, lay: cp.convolve_transpose_backward(b(G_T), b(X), KT, "same", 2, layout=lay),
        (0,),
    ),
    "pool": (lambda b, lay: cp.pool(b(X), 3, 2, padding=1, layout=lay), (0,)),
    "pool_lp": (lambda b, lay: cp.pool(b(X), 3, 2, mode="lp", p=2.5, padding=1, layout=lay), (0,)),
    "pool_indices": (lambda b, lay: cp.pool(b(X), 3, 2, padding=1, return_indices=True, layout=lay), (0, 1)),
    "pool_backward": (lambda b, lay: cp.pool_backward(b(G_POOL), b(X), 3, 2, padding=1, layout=lay), (0,)),
    "adaptive_pool": (lambda b, lay: cp.adaptive_pool(b(X), (3, 4), "max", return_indices=True, layout=lay), (0, 1)),
    "adaptive_pool_backward": (lambda b, lay: cp.adaptive_pool_backward(b(G_ADAPT), b(X), (3, 4), layout=lay), (0,)),
    "unpool": (lambda b, lay: cp.unpool(b(VALUES), b(INDICES), (7, 6), layout=lay), (0,)),
    "unpool_backward": (lambda b, lay: cp.unpool_backward(b(X), b(INDICES), layout=lay), (0,)),
}


def _parts(result):
    return list(result) if isinstance(result, tuple) else [result]


def _numpy(array):
    if hasattr(array, "compute"):
        return array.compute()
    if type(array).__module__.startswith("torch"):
        return array.numpy()
    return np.asarray(array)


def _doors():
    doors = {"numpy": lambda a: a}
    try:
        import dask.array as da

        doors["dask"] = lambda a: da.from_array(a, chunks=(1, 4, 3, 2))
    except ImportError:
        pass
    try:
        import torch

        doors["torch"] = torch.from_numpy
    except ImportError:
        pass
    return doors


DOORS = _doors()


@pytest.mark.parametrize("door", list(DOORS))
@pytest.mark.parametrize("name", list(CALLS))
def test_channels_first_is_channels_last_transposed(name, door):
    call, batches = CALLS[name]
    wrap = DOORS[door]
    last = _parts(call(lambda a: wrap(a), "channels_last"))
    first = _parts(call(lambda a: wrap(np.ascontiguousarray(a.transpose(0, 3, 1, 2))), "channels_first"))
    assert len(first) == len(last)
    for i, (f, ell) in enumerate(zip(first, last, strict=True)):
        if f is None:
            assert ell is None
            continue
        f, ell = _numpy(f), _numpy(ell)
        expected = ell.transpose(0, 3, 1, 2) if i in batches else ell
        assert f.shape == expected.shape, (name, i)
        np.testing.assert_allclose(f, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(CALLS))
def test_numpy_results_are_views_and_inputs_are_untouched(name):
    """A channels-first result is the engine's channels-last array seen through a transpose: no copy."""
    call, batches = CALLS[name]
    inputs = []

    def first(a):
        inputs.append((a, a.copy()))
        return np.transpose(a, (0, 3, 1, 2))  # itself a view: channels-first input is read without a copy

    results = _parts(call(first, "channels_first"))
    for i in batches:
        assert results[i].base is not None and results[i].transpose(0, 2, 3, 1).flags.c_contiguous, (name, i)
    for a, before in inputs:
        np.testing.assert_array_equal(a, before)
        assert not any(np.shares_memory(r, a) for r in results if r is not None)


@pytest.mark.parametrize("bad", ["NCHW", "channels-first", None, 1])
def test_a_bad_layout_is_refused(bad):
    with pytest.raises(ValueError, match=r"layout must be one of 'channels_last', 'channels_first', got"):
        cp.pool(X, 2, layout=bad)
    with pytest.raises(ValueError, match=r"layout must be one of"):
        cp.convolve_backward(G_CONV, X, K, "same", 2, layout=bad)


def test_the_exercise_forms_take_no_layout():
    with pytest.raises(TypeError, match=r"convolve_grayscale takes no layout"):
        cp.convolve_grayscale(X[..., 0], np.ones((2, 2)), layout="channels_first")
    with pytest.raises(TypeError, match=r"convolve_channels takes no layout"):
        cp.convolve_channels(X, np.ones((2, 2, 3)), layout="channels_last")


def test_a_channels_first_batch_of_the_wrong_rank_gets_the_usual_message():
    """The shape received is shown as given, not permuted."""
    with pytest.raises(ValueError, match=r"images must be a 4-D array .*got 3-D shape \(7, 6, 3\)"):
        cp.pool(X[0], 2, layout="channels_first")
