"""Pooling: hand-written expected arrays, the naive reference, padding rules and dtypes."""

import itertools

import numpy as np
import pytest
from _reference import pool_ref
from numpy.testing import assert_allclose, assert_array_equal

from convpool import pool

pytestmark = pytest.mark.usefixtures("both_paths")

GRID = np.arange(16).reshape(1, 4, 4, 1)
NINE = np.arange(1, 10).reshape(1, 3, 3, 1)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("max", [[5, 7], [13, 15]]),
        ("min", [[0, 2], [8, 10]]),
        ("avg", [[2.5, 4.5], [10.5, 12.5]]),
        ("sum", [[10, 18], [42, 50]]),
    ],
)
def test_hand_written_2x2(mode, expected):
    assert_array_equal(pool(GRID, (2, 2), (2, 2), mode=mode)[0, :, :, 0], expected)


def test_overlapping_windows():
    assert_array_equal(pool(GRID, 3, 1)[0, :, :, 0], [[10, 11], [14, 15]])
    assert_array_equal(pool(GRID, (3, 2), (1, 2), mode="avg")[0, :, :, 0], [[4.5, 6.5], [8.5, 10.5]])


# 3x3 input 1..9, 2x2 windows, stride 2, 'same': padding (0, 1) on each axis.
# windows: [[1,2],[4,5]], [[3,p],[6,p]], [[7,8],[p,p]], [[9,p],[p,p]]
@pytest.mark.parametrize(
    ("mode", "include", "expected"),
    [
        ("max", False, [[5, 6], [8, 9]]),
        ("min", False, [[1, 3], [7, 9]]),
        ("avg", False, [[3, 4.5], [7.5, 9]]),
        ("avg", True, [[3, 2.25], [3.75, 2.25]]),
        ("sum", False, [[12, 9], [15, 9]]),
    ],
)
def test_hand_written_same_padding(mode, include, expected):
    out = pool(NINE, 2, 2, mode=mode, padding="same", count_include_pad=include)
    assert_array_equal(out[0, :, :, 0], expected)


def test_padding_never_wins():
    negative = -NINE.astype(float)
    assert_array_equal(pool(negative, 2, 2, "max", padding="same")[0, :, :, 0], [[-1, -3], [-7, -9]])
    # padding 1 all round: windows cover rows/cols {-1, 0} and {1, 2}
    big = NINE.astype(np.uint8) + 200
    assert_array_equal(pool(big, 2, 2, "min", padding=1)[0, :, :, 0], [[201, 202], [204, 205]])
    low = np.full((1, 2, 2, 1), -128, dtype=np.int8)
    assert_array_equal(pool(low, 3, 1, "max", padding=1)[0, :, :, 0], np.full((2, 2), -128))


PADDINGS = ["valid", "same", (1, 0), ((0, 1), (1, 1))]
WINDOWS = [(2, 2), (3, 2), 1, 3]
STRIDES = [1, 2, (1, 3)]
MODES = [("max", False), ("min", False), ("avg", False), ("avg", True), ("sum", False)]


@pytest.mark.parametrize(
    ("padding", "window", "stride", "mode"), list(itertools.product(PADDINGS, WINDOWS, STRIDES, MODES)), ids=str
)
def test_pool_matches_reference(rng, padding, window, stride, mode):
    name, include = mode
    x = rng.normal(size=(3, 7, 8, 2))
    try:
        out = pool(x, window, stride, name, padding=padding, count_include_pad=include)
    except ValueError as exc:
        assert "only padding" in str(exc)
        return
    assert_allclose(out, pool_ref(x, window, stride, name, padding, include), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("dtype", "mode", "expected"),
    [
        (np.uint8, "max", np.uint8),
        (np.int16, "min", np.int16),
        (np.bool_, "max", np.bool_),
        (np.float32, "max", np.float32),
        (np.float32, "avg", np.float32),
        (np.float16, "avg", np.float32),
        (np.uint8, "avg", np.float64),
        (np.int64, "sum", np.float64),
        (np.float64, "sum", np.float64),
    ],
)
def test_result_dtype(dtype, mode, expected):
    assert pool(np.ones((1, 4, 4, 1), dtype=dtype), 2, 2, mode).dtype == expected


def test_uint8_average_does_not_wrap():
    x = np.full((1, 2, 2, 1), 255, dtype=np.uint8)
    assert pool(x, 2, 2, "avg")[0, 0, 0, 0] == 255.0
    assert pool(x, 2, 2, "sum")[0, 0, 0, 0] == 1020.0


def test_spec_shape_and_values(rng):
    images = rng.integers(0, 256, size=(5, 32, 32, 3)).astype(np.uint8)
    out = pool(images, (2, 2), (2, 2), mode="avg")
    assert out.shape == (5, 16, 16, 3)
    assert_allclose(out, images.reshape(5, 16, 2, 16, 2, 3).mean(axis=(2, 4)))


def test_input_unchanged_and_output_fresh(rng):
    x = rng.normal(size=(2, 4, 4, 3))
    before = x.copy()
    out = pool(x, 1, 1)
    assert_array_equal(out, x)
    assert not np.shares_memory(out, x)
    pool(x, 2, 1, "avg", padding="same")
    assert_array_equal(x, before)


def test_empty_batch_and_lists():
    assert pool(np.zeros((0, 6, 6, 2)), 2, 2).shape == (0, 3, 3, 2)
    assert_array_equal(pool(GRID.tolist(), 2, 2)[0, :, :, 0], [[5, 7], [13, 15]])


@pytest.mark.parametrize("mode", ["max", "min", "avg", "sum"])
def test_no_single_tap_reaches_every_output(rng, mode):
    # a 1-cell axis, window 2, one cell of padding each side: tap 0 reaches only output 1, tap 1 only output 0
    x = rng.normal(size=(2, 1, 3, 2))
    out = pool(x, (2, 1), 1, mode, padding=((1, 1), (0, 0)))
    assert_allclose(out, pool_ref(x, (2, 1), 1, mode, ((1, 1), (0, 0))), rtol=1e-12)
    assert_allclose(out[:, 0], out[:, 1])  # both windows hold the one real row
