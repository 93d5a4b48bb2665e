"""Zero kernel taps over images holding inf or NaN follow the definition: ``0 * inf`` and ``0 * NaN`` are NaN.

The blocked engine's tap loop (``method='auto'`` or ``'direct'``) skips zero taps, which is exact only
for finite images; every result here is compared with the naive references, which multiply every tap.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from _reference import conv_ref

from convpool import convolve

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "nd"))
from _reference_nd import conv_nd_ref  # noqa: E402

LAPLACE = np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def _same(got, want) -> None:
    """NaN where the definition has NaN, the same infinities, the finite values to rounding."""
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want))
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
    np.testing.assert_allclose(np.nan_to_num(got), np.nan_to_num(want), rtol=1e-12, atol=1e-12)


def _spiked(shape, seed: int = 0) -> np.ndarray:
    """Random images with one inf, one -inf and one NaN well inside them."""
    x = np.random.default_rng(seed).standard_normal(shape)
    middle = tuple(s // 2 for s in shape[1:-1])
    x[(0, *middle, 0)] = np.inf
    x[(0, *(m // 2 for m in middle), 0)] = -np.inf
    x[(-1, *(m + m // 2 for m in middle), -1)] = np.nan
    return x


@pytest.mark.parametrize("kernel", ["zeros", "laplace"])
@pytest.mark.parametrize("method", ["auto", "direct", "gemm"])
@pytest.mark.parametrize("shape", [(1, 9, 11, 1), (1, 250, 250, 1)])  # the small path; the blocked engine
def test_zero_taps_read_inf_and_nan_2d(kernel, method, shape):
    x = _spiked(shape)
    k = (np.zeros((3, 3)) if kernel == "zeros" else LAPLACE)[:, :, None, None]
    for padding in ("valid", "same"):
        got = convolve(x, k, padding=padding, method=method)
        _same(got, conv_ref(x, k, padding))
        assert np.isnan(got).any()  # the definition's NaN, not a skipped tap's 0


def test_zero_taps_with_channels_and_strides_2d():
    x = _spiked((2, 60, 70, 3), seed=1)
    k = np.random.default_rng(2).standard_normal((3, 3, 3, 4))
    k[0, :, :, :2] = 0.0
    k[:, 2, 1, :] = 0.0
    for method in ("auto", "direct"):
        _same(convolve(x, k, padding="same", stride=2, method=method), conv_ref(x, k, "same", stride=2))


@pytest.mark.parametrize("method", ["auto", "direct"])
def test_zero_taps_read_inf_and_nan_3d(method):
    x = _spiked((1, 10, 100, 100, 1))  # big enough that each depth tap's 2-D call runs on the blocked engine
    k = np.zeros((3, 3, 3, 1, 1))
    k[1, 1, 1] = 1.0
    k[0, 1, 2] = -2.0
    got = convolve(x, k, padding="valid", method=method)
    _same(got, conv_nd_ref(x, k, "valid"))
    assert np.isnan(got).sum() > 3


def test_finite_images_unchanged():
    """The zero-tap skip stays for finite images (same values as the reference)."""
    x = np.random.default_rng(3).standard_normal((1, 250, 250, 1))
    k = LAPLACE[:, :, None, None]
    _same(convolve(x, k, padding="same"), conv_ref(x, k, "same"))
