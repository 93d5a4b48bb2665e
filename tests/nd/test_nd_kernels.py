"""The kernel bank in three (and one) dimensions, applied to volumes, against scipy.ndimage's own filters."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from convpool import kernels

ndimage = pytest.importorskip("scipy.ndimage")


@pytest.fixture
def volume(rng):
    return rng.standard_normal((9, 10, 11))


def filtered(volume, kernel):
    """``kernels.apply`` on one volume with one channel; scipy's 'reflect' is NumPy's 'symmetric'."""
    return kernels.apply(volume[None, ..., None], kernel, "same", pad_mode="symmetric")[0, ..., 0]


def test_gaussian_volume_is_scipys_gaussian_filter(volume):
    # truncate=2 with sigma=1: scipy's kernel has radius 2, five taps per axis
    expected = ndimage.gaussian_filter(volume, sigma=1.0, truncate=2.0, mode="reflect")
    assert_allclose(filtered(volume, kernels.gaussian(5, 1.0, ndim=3)), expected, rtol=1e-12, atol=1e-12)


def test_box_volume_is_scipys_uniform_filter(volume):
    assert_allclose(filtered(volume, kernels.box(3, ndim=3)), ndimage.uniform_filter(volume, 3, mode="reflect"))


def test_laplacian_volume_is_scipys_laplace(volume):
    assert_allclose(filtered(volume, kernels.laplacian(6, ndim=3)), ndimage.laplace(volume, mode="reflect"), atol=1e-12)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_sobel_volume_is_scipys_sobel(volume, axis):
    expected = ndimage.sobel(volume, axis=axis, mode="reflect")
    assert_allclose(filtered(volume, kernels.sobel(axis, ndim=3)), expected, rtol=1e-12, atol=1e-12)


def test_two_dimensional_bank_unchanged():
    assert_array_equal(kernels.sobel(1), kernels.sobel_x())
    assert_array_equal(kernels.sobel(0), kernels.sobel_y())
    assert_array_equal(kernels.laplacian(8), np.array([[1.0, 1, 1], [1, -8, 1], [1, 1, 1]]))
    assert_array_equal(kernels.gaussian(3, 1.0), kernels.gaussian(3, 1.0, ndim=2))


def test_written_out_volume_kernels():
    lap = kernels.laplacian(6, ndim=3)
    expected = np.zeros((3, 3, 3))
    expected[1, 1, 1] = -6
    for cell in [(0, 1, 1), (2, 1, 1), (1, 0, 1), (1, 2, 1), (1, 1, 0), (1, 1, 2)]:
        expected[cell] = 1
    assert_array_equal(lap, expected)
    assert_array_equal(kernels.laplacian(26, ndim=3).sum(), 0)
    assert_array_equal(kernels.laplacian(2, ndim=1), [1.0, -2.0, 1.0])
    assert_array_equal(kernels.sobel(0, ndim=3)[:, 1, 1], [-4.0, 0.0, 4.0])
    assert kernels.gaussian(5, 1.0, ndim=3).shape == (5, 5, 5)
    assert kernels.parse("gaussian:size=5,sigma=1,ndim=3").shape == (5, 5, 5)
    assert_allclose(kernels.parse("box:size=2,ndim=3"), np.full((2, 2, 2), 1 / 8))
    assert_array_equal(kernels.identity(3, ndim=1), [0.0, 1.0, 0.0])


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: kernels.gaussian(5, ndim=0), "ndim must be an int from 1 to 4"),
        (lambda: kernels.box(3, ndim=True), "ndim must be an int"),
        (lambda: kernels.laplacian(8, ndim=3), "neighbours must be 6 or 26 for ndim=3, got 8"),
        (lambda: kernels.sobel(3, ndim=3), "axis must be an int from -3 to 2 for ndim=3, got 3"),
        (lambda: kernels.box(1025, ndim=3), "would make 1076890625 taps"),
        (lambda: kernels.apply(np.ones((1, 5, 5, 1)), kernels.box(3, ndim=3)), "kernel has 3 spatial axes, images 2"),
    ],
)
def test_errors(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_apply_filters_signals(rng):
    signals = rng.standard_normal((2, 30, 3))
    smoothed = kernels.apply(signals, kernels.gaussian(5, 1.0, ndim=1), pad_mode="symmetric")
    expected = ndimage.gaussian_filter1d(signals, 1.0, axis=1, truncate=2.0, mode="reflect")
    assert_allclose(smoothed, expected, rtol=1e-12, atol=1e-12)
