"""The pooling engine's two shortcuts: integer sums for integer images, and the full-width column pass.

Each is compared with the definition (``pool_ref``, a loop over windows), with
the plain path it replaces (float sums, the strided column pass), and, where
it must be, bit for bit.
"""

import itertools

import numpy as np
import pytest
from _reference import pool_ref
from numpy.testing import assert_allclose, assert_array_equal

from convpool import pool
from convpool._backends.numpy import pooling
from convpool._backends.numpy.pooling import accumulator

pytestmark = pytest.mark.usefixtures("engine_only")

INTEGERS = [np.uint8, np.int8, np.uint16, np.int16, np.int32]
GEOMETRIES = [  # window, stride, padding, dilation, ceil_mode
    ((2, 2), 2, "valid", 1, False),
    ((3, 3), 2, "same", 1, False),
    ((3, 2), (1, 3), ((1, 0), (0, 1)), (2, 1), False),
    ((2, 3), 2, "valid", 1, True),
]


def extremes(dtype, shape, rng) -> np.ndarray:
    """Random values of ``dtype`` with its extremes common, so the sums reach their bounds."""
    info = np.iinfo(dtype)
    x = rng.integers(info.min, int(info.max) + 1, size=shape, dtype=np.int64)
    x[rng.random(shape) < 0.3] = info.max
    x[rng.random(shape) < 0.2] = info.min
    return x.astype(dtype)


@pytest.mark.parametrize(("dtype", "mode", "geometry"), list(itertools.product(INTEGERS, ["avg", "sum"], GEOMETRIES)))
def test_integer_sums_equal_float_sums_bit_for_bit(dtype, mode, geometry, rng):
    window, stride, padding, dilation, ceil_mode = geometry
    for c in (1, 3, 5):
        x = extremes(dtype, (3, 9, 11, c), rng)
        options = dict(padding=padding, dilation=dilation, ceil_mode=ceil_mode)
        got = pool(x, window, stride, mode, **options)
        assert got.dtype == np.float64
        assert_array_equal(got, pool(x.astype(np.float64), window, stride, mode, **options))
        assert_allclose(got, pool_ref(x, window, stride, mode, padding, False, dilation, ceil_mode), rtol=1e-15)


@pytest.mark.parametrize("mode", ["avg", "sum"])
def test_integer_sums_into_float32(mode, rng):
    # uint16 3x3 sums reach 9 * 65535 < 2**24: exact in float32 and in the uint32 accumulator
    x = extremes(np.uint16, (4, 12, 10, 3), rng)
    got = pool(x, 3, 1, mode, padding="same", dtype=np.float32)
    assert got.dtype == np.float32
    assert_array_equal(got, pool(x.astype(np.float32), 3, 1, mode, padding="same"))
    assert_allclose(got, pool_ref(x, 3, 1, mode, "same"), rtol=1e-7)


@pytest.mark.parametrize(
    ("given", "dtype", "mode", "taps", "expected"),
    [
        (np.uint8, np.float64, "avg", 4, np.uint16),
        (np.uint8, np.float64, "sum", 257, np.uint16),  # 257 * 255 = 65535, the largest uint16
        (np.uint8, np.float64, "sum", 258, np.uint32),
        (np.int8, np.float64, "sum", 4, np.int16),
        (np.int16, np.float32, "avg", 9, np.int32),
        (np.int32, np.float64, "sum", 4, np.int64),
        (np.uint8, np.float16, "avg", 9, np.float16),  # 9 * 255 > 2**11: float16 sums would round
        (np.uint16, np.float32, "sum", 512, np.float32),  # 512 * 65535 > 2**24
        (np.int32, np.float32, "sum", 4, np.float32),
        (np.int64, np.float64, "sum", 4, np.float64),
        (np.uint8, np.float64, "max", 4, np.float64),  # not a sum
        (np.float32, np.float64, "avg", 4, np.float64),  # not integers
    ],
)
def test_accumulator_is_the_narrowest_exact_integer(given, dtype, mode, taps, expected):
    assert accumulator(np.dtype(given), np.dtype(dtype), mode, taps) == np.dtype(expected)


@pytest.mark.parametrize("mode", ["max", "min", "avg", "sum"])
@pytest.mark.parametrize("c", [2, 3, 6, 7, 15])
def test_full_width_columns_match_the_definition_and_the_strided_pass(mode, c, rng, monkeypatch):
    x = rng.normal(size=(2, 9, 13, c))
    cases = [
        ((2, 2), 2, "valid", 1, False),
        ((2, 3), (1, 3), "valid", (1, 2), False),
        ((3, 4), 1, "valid", 1, False),
        ((3, 2), 2, ((1, 1), (0, 0)), 1, False),  # padded rows only: an average's divisor varies by row
        ((2, 2), 2, "valid", 1, True),  # the last window reaches past the image: the strided pass
        ((3, 3), 2, "same", 1, False),  # padding: the strided pass
    ]
    for window, stride, padding, dilation, ceil_mode in cases:
        options = dict(padding=padding, dilation=dilation, ceil_mode=ceil_mode)
        got = pool(x, window, stride, mode, **options)
        expected = pool_ref(x, window, stride, mode, padding, False, dilation, ceil_mode)
        assert_allclose(got, expected, rtol=1e-13, atol=1e-13, err_msg=f"{window} {stride} {dilation}")
        with monkeypatch.context() as patch:
            patch.setattr(pooling, "FULL_WIDTH_CHANNELS", 0)
            assert_array_equal(got, pool(x, window, stride, mode, **options))


def test_full_width_on_the_exercise_photos(rng):
    # the exercise's 2x2 average of uint8 photos, and a max, against a reshape that reads each window
    x = rng.integers(0, 256, size=(700, 32, 32, 3), dtype=np.uint8)  # blocks of several hundred images
    windows = x.reshape(700, 16, 2, 16, 2, 3)
    assert_array_equal(pool(x, 2, 2, "avg"), windows.sum(axis=(2, 4)) / 4)
    assert_array_equal(pool(x, 2, 2, "max"), windows.max(axis=(2, 4)))
    assert_array_equal(pool(x.astype(np.float32), 2, 2, "min"), windows.min(axis=(2, 4)))
