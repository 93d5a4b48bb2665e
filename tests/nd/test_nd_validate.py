"""The number of spatial axes is the call's: what decides it, and the messages when the arrays disagree."""

from __future__ import annotations

import numpy as np
import pytest

import convpool

VOLUMES = np.ones((2, 5, 6, 7, 3))
SIGNALS = np.ones((2, 20, 3))
K3 = np.ones((3, 3, 3, 3, 4))
K1 = np.ones((5, 3, 4))


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (
            lambda: convpool.convolve(VOLUMES, np.ones((3, 3, 3, 4))),
            ValueError,
            r"kernels have 2 spatial axes, images 3",
        ),
        (lambda: convpool.convolve(SIGNALS, K3), ValueError, r"images must be a 5-D array of shape \(m, d, h, w, c\)"),
        (lambda: convpool.convolve(SIGNALS, K3), ValueError, r"kernels have 3 spatial axes, images 1"),
        (lambda: convpool.convolve(VOLUMES, K3, stride=(1, 2)), ValueError, r"stride must be an int or a tuple of 3"),
        (lambda: convpool.convolve(VOLUMES, K3, dilation=(1, 0, 1)), ValueError, r"dilation must be >= 1"),
        (lambda: convpool.convolve(VOLUMES, K3, padding=(1, 1)), ValueError, r"padding must be .* a tuple of 3 ints"),
        (lambda: convpool.convolve(VOLUMES, K3, padding=((1, 1),) * 2), ValueError, r"got 2 values"),
        (lambda: convpool.convolve(VOLUMES, K3, padding=(1, -1, 0)), ValueError, r"padding must not be negative"),
        (lambda: convpool.convolve(SIGNALS, K1, padding=(1, 2)), ValueError, r"write \(\(1, 2\),\) for before"),
        (lambda: convpool.convolve(VOLUMES, K3[..., :1, :]), ValueError, r"kernels has 1 channels"),
        (lambda: convpool.convolve(VOLUMES, K3, groups=2), ValueError, r"groups=2 must divide the images' 3"),
        (
            lambda: convpool.convolve(VOLUMES, np.ones((7, 3, 3, 3, 4)), "valid"),
            ValueError,
            r"kernel depth 7 spans 7 cells",
        ),
        (
            lambda: convpool.convolve(SIGNALS, np.ones((30, 3, 4)), "valid"),
            ValueError,
            r"kernel length 30 spans 30 cells",
        ),
        (lambda: convpool.pool(VOLUMES, (2, 2), 2), ValueError, r"kernel_shape has 2 spatial axes, images 3"),
        (lambda: convpool.pool(VOLUMES, 2, 2), ValueError, r"images must be a 4-D array of shape \(m, h, w, c\)"),
        (lambda: convpool.pool(VOLUMES[..., 0], (2, 2, 2), 2), ValueError, r"need a channel axis: images\[..., None\]"),
        (lambda: convpool.pool(VOLUMES, (2, 2, 2), (2, 2)), ValueError, r"stride must be an int or a tuple of 3"),
        (lambda: convpool.pool(VOLUMES, (2, 2, 2), 2, padding=(3, 0, 0)), ValueError, r"cover only padding"),
        (
            lambda: convpool.pool_backward(np.ones((2, 2, 3, 4, 3)), VOLUMES, (2, 2, 2), 2),
            ValueError,
            r"grad_output must have",
        ),
        (lambda: convpool.convolve_transpose(VOLUMES, np.ones((2, 2, 2, 1, 4))), ValueError, r"kernels have 4 outputs"),
        (
            lambda: convpool.convolve_transpose(VOLUMES, np.ones((2, 2, 2, 1, 3)), output_padding=(0, 1)),
            ValueError,
            r"output_padding must be an int or a tuple of 3",
        ),
        (
            lambda: convpool.conv_output_shape((5, 6, 7), (2, 2)),
            ValueError,
            r"kernel_shape must be an int or a tuple of 3",
        ),
        (lambda: convpool.conv_padding((5,), 3, padding=(1, 1)), ValueError, r"padding must be"),
    ],
)
def test_mismatches_name_their_cause(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_the_rank_comes_from_the_kernels_and_the_window():
    assert convpool.convolve(VOLUMES, K3, "valid").shape == (2, 3, 4, 5, 4)
    assert convpool.convolve(SIGNALS, K1, "same", 2).shape == (2, 10, 4)
    assert convpool.pool(VOLUMES, (2, 2, 2), 2).shape == (2, 2, 3, 3, 3)
    assert convpool.pool(SIGNALS, (4,), 4).shape == (2, 5, 3)
    assert convpool.pool(VOLUMES[:, 0], 2, 2).shape == (2, 3, 3, 3)  # an int window: 2-D, as always
    assert convpool.convolve_transpose(SIGNALS, np.ones((3, 2, 3)), "valid", 2).shape == (2, 41, 2)


def test_shape_helpers_take_any_number_of_axes():
    assert convpool.conv_output_shape((5, 6, 7), 3, padding="valid") == (3, 4, 5)
    assert convpool.conv_output_shape(7, (3, 3, 3)) == (5, 5, 5)
    assert convpool.conv_output_shape((16000,), (101,), stride=4) == (3975,)
    assert convpool.conv_padding((5, 6, 7, 8), (2, 3, 4, 5)) == ((0, 1), (1, 1), (1, 2), (2, 2))
    assert convpool.conv_transpose_output_shape((3, 4, 5), 3, 2, "valid", output_padding=(1, 0, 1)) == (8, 9, 12)
    assert convpool.conv_output_shape((28, 28), 3) == (26, 26)  # 2-D unchanged


def test_the_exercise_functions_stay_two_dimensional():
    with pytest.raises(ValueError, match=r"images must be a 3-D array of shape \(m, h, w\)"):
        convpool.convolve_grayscale_valid(VOLUMES[..., 0], np.ones((3, 3, 3)))
    with pytest.raises(ValueError, match=r"kernel must be a 2-D array"):
        convpool.convolve_grayscale_same(VOLUMES[:, 0, ..., 0], np.ones((3, 3, 3)))
    with pytest.raises(ValueError, match=r"images must be a 4-D array of shape \(m, h, w, c\)"):
        convpool.convolve_channels(VOLUMES, np.ones((3, 3, 3)))


def test_inputs_are_not_modified_and_results_are_new(rng):
    x = rng.standard_normal((2, 4, 5, 6, 2))
    k = rng.standard_normal((2, 2, 2, 2, 3))
    before = x.copy(), k.copy()
    out = convpool.convolve(x, k, "same", pad_mode="reflect")
    pooled = convpool.pool(x, (1, 1, 1), 1)
    convpool.convolve_backward(np.ones_like(out), x, k, "same", pad_mode="reflect")
    np.testing.assert_array_equal(x, before[0])
    np.testing.assert_array_equal(k, before[1])
    assert not np.shares_memory(pooled, x) and not np.shares_memory(out, x)
