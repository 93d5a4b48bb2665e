"""Hostile inputs to the core library: NaN and inf kernels, absurd padding, strides and dilations, masked arrays.

Each is either computed by the definition (NaN kernels, against the naive reference) or refused with a
clear ``ValueError``/``TypeError`` naming the argument, before any work or allocation.
"""

from __future__ import annotations

import itertools
import tracemalloc

import numpy as np
import pytest
from _reference import conv_ref

import convpool as cp
from convpool._plan._shapes import axis_geometry, has_padding_only_window

X = np.random.default_rng(0).standard_normal((2, 9, 8, 2))


@pytest.mark.filterwarnings("error")  # a NaN in the result is the answer, not a RuntimeWarning
@pytest.mark.parametrize("method", ["auto", "direct", "gemm", "fft"])
@pytest.mark.parametrize("padding", ["valid", "same", 2])
@pytest.mark.parametrize("pad_mode", ["constant", "reflect"])
@pytest.mark.parametrize("shape", [(2, 9, 8, 2), (2, 150, 140, 2)])  # the small path; the blocked engine
def test_nan_and_inf_kernels_follow_the_definition(method, padding, pad_mode, shape):
    x = np.random.default_rng(1).standard_normal(shape)
    k = np.random.default_rng(2).standard_normal((3, 3, 2, 3))
    k[0, 0, 0, 0] = np.nan
    k[1, 2, 1, 1] = np.inf
    k[2, :, :, 2] = 0.0
    got = cp.convolve(x, k, padding=padding, method=method, pad_mode=pad_mode)
    want = conv_ref(x, k, padding, pad_mode=pad_mode)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    assert np.isnan(got[..., 0]).all()  # every window reads the NaN tap
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)  # NaN and inf in the same places


def test_nan_kernel_in_3d():
    v = np.random.default_rng(3).standard_normal((1, 5, 6, 7, 1))
    k = np.zeros((2, 2, 2, 1, 2))
    k[1, 1, 1, 0, 0] = np.nan
    got = cp.convolve(v, k, padding="valid")
    assert np.isnan(got[..., 0]).all()
    np.testing.assert_array_equal(got[..., 1], 0.0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: cp.pool(X, 2, padding=10**12),
        lambda: cp.pool(X, 2, padding=((0, 10**12), (0, 0))),
        lambda: cp.pool(X, 2, 1, padding=10**12, ceil_mode=True),
        lambda: cp.pool(X, 3, padding=((2, 10**15), (1, 1)), dilation=(10**6, 1)),
        lambda: cp.pool_backward(np.ones((2, 1, 1, 2)), X, 2, padding=10**12),
        lambda: cp.pool(X[..., None], (2, 2, 2), padding=10**12),
    ],
)
def test_huge_pool_padding_is_refused_before_any_allocation(call):
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"padding .* too large .*some window would cover only padding"):
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20


def _padding_only(size, kernel, stride, dilation, before, after, out) -> bool:
    """Some window has no tap inside ``[0, size)``: the definition, tap by tap."""
    return any(all(not 0 <= i * stride - before + t * dilation < size for t in range(kernel)) for i in range(out))


def test_padding_only_windows_match_the_tap_by_tap_definition():
    cases = 0
    grid = itertools.product(range(1, 6), range(1, 4), range(1, 4), range(1, 8), range(9), range(9), (False, True))
    for size, kernel, stride, dilation, before, after, ceil in grid:
        try:
            g = axis_geometry(((before, after),), 0, size, kernel, stride, dilation, ceil=ceil)
        except ValueError:  # a window wider than the padded axis
            continue
        cases += 1
        expected = _padding_only(size, kernel, stride, dilation, before, g.after, g.out)
        assert has_padding_only_window(g) == expected, g
    assert cases > 10000


BIG = 2**62


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: cp.pool(X, 2, stride=BIG), "stride"),
        (lambda: cp.pool(X, 2, stride=2**64), "stride"),
        (lambda: cp.pool(X, 2, dilation=(1, BIG)), "dilation"),
        (lambda: cp.pool(X, BIG), "kernel_shape"),
        (lambda: cp.pool(X, 2, padding=BIG), "padding"),
        (lambda: cp.pool(X, 2, padding=((0, 0), (BIG, 0))), "padding"),
        (lambda: cp.convolve(X, np.ones((3, 3, 2, 1)), stride=BIG), "stride"),
        (lambda: cp.convolve(X, np.ones((3, 3, 2, 1)), dilation=BIG), "dilation"),
        (lambda: cp.convolve(X, np.ones((3, 3, 2, 1)), padding=(0, 2**70)), "padding"),
        (lambda: cp.convolve(X[:, 0], np.ones((3, 2, 1)), stride=(BIG,)), "stride"),
        (lambda: cp.convolve_transpose(X, np.ones((3, 3, 1, 2)), stride=BIG), "stride"),
        (lambda: cp.conv_output_shape((8, 8), (3, 3), padding=BIG), "padding"),
        (lambda: cp.conv_output_shape((8, 8), (3, 3), stride=BIG), "stride"),
        (lambda: cp.conv_transpose_output_shape((8, 8), (3, 3), stride=BIG), "stride"),
        (lambda: cp.unpool(np.ones((1, 1, 1, 1)), np.zeros((1, 1, 1, 1), int), (1, BIG)), "output_shape"),
    ],
)
def test_counts_of_2_to_the_62_or_more_are_refused_by_name(call, name):
    with pytest.raises(ValueError, match=rf"^{name} must be < 2\*\*62"):
        call()


def test_counts_just_below_the_limit_still_work_where_they_mean_one_window():
    np.testing.assert_array_equal(cp.pool(X, 2, stride=BIG - 1), cp.pool(X[:, :2, :2], 2))
    assert cp.conv_output_shape((8, 8), (3, 3), padding="valid", stride=BIG - 1) == (1, 1)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda m: cp.convolve(m, np.ones((3, 3, 2, 1))), "images"),
        (lambda m: cp.convolve(X, np.ma.masked_array(np.ones((3, 3, 2, 1)))), "kernels"),
        (lambda m: cp.pool(m, 2), "images"),
        (lambda m: cp.pool_backward(np.ma.masked_array(np.ones((2, 4, 4, 2))), X, 2), "grad_output"),
        (lambda m: cp.adaptive_pool(m, 1), "images"),
        (lambda m: cp.convolve_transpose(m, np.ones((3, 3, 2, 1))), "images"),
    ],
)
def test_masked_arrays_are_refused_not_unmasked(call, name):
    masked = np.ma.masked_array(X.copy(), mask=X > 1)
    kept = masked.copy()
    with pytest.raises(TypeError, match=rf"^{name} is a numpy.ma masked array, whose mask convpool would lose"):
        call(masked)
    np.testing.assert_array_equal(masked.mask, kept.mask)
    np.testing.assert_array_equal(masked.data, kept.data)
