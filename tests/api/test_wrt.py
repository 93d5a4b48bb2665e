"""``convolve_backward(..., wrt=)``: only the asked-for gradient, equal to the one of ``wrt='both'``.

The oracle is the default call (itself checked against PyTorch autograd and
finite differences in test_grad.py and test_opinfo.py); the other gradient is None,
for NumPy, groups, Dask arrays and array-API arrays alike, and a bad ``wrt`` is a
ValueError naming it, before any work.
"""

from __future__ import annotations

import numpy as np
import pytest

from convpool import convolve, convolve_backward

rng = np.random.default_rng(12)

CASES = [
    # images, kernels, options
    ((3, 7, 6, 2), (3, 3, 2, 4), {"padding": "same"}),
    ((2, 9, 8, 1), (3, 3, 1, 16), {"padding": "same"}),  # a first layer: the im2col kernel gradient
    ((2, 9, 9, 3), (2, 3, 3, 5), {"padding": ((1, 0), (2, 1)), "stride": 2, "pad_mode": "reflect"}),
    ((2, 8, 8, 4), (3, 3, 2, 6), {"padding": "valid", "groups": 2, "dilation": 2}),
    ((2, 8, 8, 4), (3, 3, 1, 4), {"padding": "same", "groups": 4}),  # depthwise
]


def _arrays(images_shape, kernels_shape, options):
    x = rng.normal(size=images_shape)
    k = rng.normal(size=kernels_shape)
    return rng.normal(size=convolve(x, k, **options).shape), x, k


@pytest.mark.parametrize(("images_shape", "kernels_shape", "options"), CASES)
def test_each_gradient_alone_equals_both(images_shape, kernels_shape, options):
    g, x, k = _arrays(images_shape, kernels_shape, options)
    before = (g.copy(), x.copy(), k.copy())
    grad_x, grad_k = convolve_backward(g, x, k, **options)
    only_k = convolve_backward(g, x, k, **options, wrt="kernels")
    only_x = convolve_backward(g, x, k, **options, wrt="images")
    assert only_k[0] is None and only_x[1] is None
    np.testing.assert_array_equal(only_k[1], grad_k)
    np.testing.assert_array_equal(only_x[0], grad_x)
    assert all(np.array_equal(a, b) for a, b in zip(before, (g, x, k), strict=True))


@pytest.mark.parametrize("wrt", ["x", "Kernels", None, ("images",), 1])
def test_bad_wrt_is_named_before_any_work(wrt):
    g, x, k = _arrays((1, 4, 4, 1), (3, 3, 1, 1), {"padding": "same"})
    with pytest.raises(ValueError, match=r"wrt must be one of 'both', 'images', 'kernels', got "):
        convolve_backward(g, x, k, wrt=wrt)
    with pytest.raises(ValueError, match="wrt must be one of"):  # before the (also bad) shapes are looked at
        convolve_backward(g[:, :2], x, k, wrt=wrt)


def test_dask_arrays_drop_the_other_gradient():
    da = pytest.importorskip("dask.array")
    g, x, k = _arrays((4, 8, 8, 2), (3, 3, 2, 3), {"padding": "same"})
    grad_x, grad_k = convolve_backward(g, x, k)
    lazy_x, none = convolve_backward(
        da.from_array(g, chunks=(2, 8, 8, 3)), da.from_array(x, chunks=(2, 8, 8, 2)), k, wrt="images"
    )
    assert none is None and isinstance(lazy_x, da.Array)
    np.testing.assert_allclose(lazy_x.compute(), grad_x, rtol=1e-12, atol=1e-12)
    none, lazy_k = convolve_backward(
        da.from_array(g, chunks=(2, 8, 8, 3)), da.from_array(x, chunks=(2, 8, 8, 2)), k, wrt="kernels"
    )
    assert none is None
    np.testing.assert_allclose(np.asarray(lazy_k.compute()), grad_k, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="wrt must be one of"):
        convolve_backward(da.from_array(g), da.from_array(x), k, wrt="both ")


def test_array_api_arrays_drop_the_other_gradient():
    strict = pytest.importorskip("array_api_strict")
    g, x, k = _arrays((2, 6, 6, 2), (3, 3, 2, 3), {"padding": "valid"})
    grad_x, grad_k = convolve_backward(g, x, k, padding="valid")
    none, only_k = convolve_backward(strict.asarray(g), strict.asarray(x), strict.asarray(k), "valid", wrt="kernels")
    assert none is None
    np.testing.assert_allclose(np.asarray(only_k), grad_k, rtol=1e-10, atol=1e-12)
    only_x, none = convolve_backward(strict.asarray(g), strict.asarray(x), strict.asarray(k), "valid", wrt="images")
    assert none is None
    np.testing.assert_allclose(np.asarray(only_x), grad_x, rtol=1e-10, atol=1e-12)


def test_bad_wrt_stops_other_arrays_before_their_adapter_runs(monkeypatch):
    strict = pytest.importorskip("array_api_strict")
    from convpool._backends import xp as _xp

    def no_work(*_):
        raise AssertionError("the adapter ran before wrt was checked")

    for op in ("correlate_backward", "correlate"):
        monkeypatch.setattr(_xp, op, no_work)
    g, x, k = (strict.asarray(a) for a in _arrays((1, 4, 4, 1), (3, 3, 1, 1), {"padding": "same"}))
    with pytest.raises(ValueError, match="wrt must be one of 'both', 'images', 'kernels', got 'x'"):
        convolve_backward(g, x, k, wrt="x")
