"""Sizes just under 2**62 (issue 23): a clear ValueError or TypeError naming the argument, at once, nothing allocated.

Each size is below the per-argument limit (2**62), so only the plan's checks of
the products (output against memory, window, stride and padded extent against
what NumPy can index) stand between it and an error deep inside NumPy, a
``MemoryError`` or a loop over 2**62 taps. Each case runs under
``tracemalloc`` and a time limit; what still fits is computed and compared
with a hand-written result.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import convpool as cp

BIG = 2**62 - 1
HALF = 2**61
X2 = np.arange(16.0).reshape(1, 4, 4, 1)
K2 = np.ones((2, 2, 1, 1))
X1 = np.arange(4.0).reshape(1, 4, 1)
K1 = np.ones((2, 1, 1))
X3 = np.arange(64.0).reshape(1, 4, 4, 4, 1)
K3 = np.ones((2, 2, 2, 1, 1))

CASES = {
    # name: (call, the exception, the words the message must hold: the argument and its value)
    "conv padding": (lambda: cp.convolve(X2, K2, padding=BIG), ValueError, f"padding={BIG}"),
    "conv dilation": (lambda: cp.convolve(X2, K2, "same", dilation=BIG), ValueError, f"dilation={BIG}"),
    "conv padding pairs": (lambda: cp.convolve(X2, K2, ((HALF, HALF), (0, 0))), ValueError, f"(({HALF}, {HALF})"),
    "conv stride float": (lambda: cp.convolve(X2, K2, stride=2.0**61), TypeError, "stride must be an int"),
    "conv 1-D padding": (lambda: cp.convolve(X1, K1, padding=HALF), ValueError, f"padding={HALF}"),
    "conv 1-D dilation": (lambda: cp.convolve(X1, K1, "full", dilation=HALF), ValueError, f"dilation={HALF}"),
    "conv 3-D dilation": (lambda: cp.convolve(X3, K3, "same", dilation=BIG), ValueError, f"dilation={BIG}"),
    "conv 3-D padding": (lambda: cp.convolve(X3, K3, padding=BIG), ValueError, f"padding={BIG}"),
    "pool window same": (lambda: cp.pool(X2, BIG, 1, padding="same"), ValueError, f"kernel_shape={BIG}"),
    "pool full": (lambda: cp.pool(X2, BIG, 1, padding="full"), ValueError, "padding='full'"),
    "pool padding": (lambda: cp.pool(X2, 2, 1, padding=10**12), ValueError, "padding ((1000000000000, "),
    "pool dilation": (lambda: cp.pool(X2, 2, 1, padding="same", dilation=BIG), ValueError, f"dilation ({BIG}, "),
    "pool 1-D window": (lambda: cp.pool(X1, (BIG,), 1, padding="same"), ValueError, f"kernel_shape=({BIG},)"),
    "transpose stride": (lambda: cp.convolve_transpose(X2, K2, stride=BIG), ValueError, f"stride={BIG}"),
    "transpose dilation": (lambda: cp.convolve_transpose(X2, K2, dilation=BIG), ValueError, f"dilation={BIG}"),
    "transpose 1-D dilation": (lambda: cp.convolve_transpose(X1, K1, dilation=BIG), ValueError, f"dilation={BIG}"),
    "transpose 3-D dilation": (lambda: cp.convolve_transpose(X3, K3, dilation=BIG), ValueError, f"dilation={BIG}"),
    "transpose 3-D stride": (lambda: cp.convolve_transpose(X3, K3, "valid", BIG), ValueError, f"stride={BIG}"),
    "adaptive": (lambda: cp.adaptive_pool(X2, BIG), ValueError, f"output_shape={BIG}"),
    "adaptive 1-D": (lambda: cp.adaptive_pool(X1, (BIG,)), ValueError, f"output_shape=({BIG},)"),
    "adaptive 3-D": (lambda: cp.adaptive_pool(X3, (1, BIG, 1)), ValueError, f"output_shape=(1, {BIG}, 1)"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_huge_sizes_are_refused_at_once_naming_the_argument(name):
    call, error, words = CASES[name]
    started = time.perf_counter()
    tracemalloc.start()
    try:
        with pytest.raises(error) as caught:
            call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)
    assert peak < 2**20  # nothing image-sized (nor a 2**62-tap loop's bookkeeping) was allocated
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("stride", [BIG, 2**40, 4])
def test_a_huge_stride_is_the_one_window_it_means(stride):
    # any stride from the padded length on (4 here) leaves one window, at the corner: computed, not
    # refused, also where the backend's strided view would step 2**62 rows (forward and backward passes)
    assert_array_equal(cp.convolve(X2, K2, "valid", stride), [[[[0.0 + 1 + 4 + 5]]]])
    assert_array_equal(cp.pool(X2, 2, stride), [[[[5.0]]]])
    assert_array_equal(cp.pool(X2, 2, stride, ceil_mode=True), [[[[5.0]]]])
    assert_array_equal(cp.convolve(X1, K1, "valid", stride), [[[1.0]]])
    grad_images, grad_kernels = cp.convolve_backward(np.ones((1, 1, 1, 1)), X2, K2, "valid", stride)
    expected = np.zeros((1, 4, 4, 1))
    expected[0, :2, :2] = 1  # each kernel tap met one image cell, once
    assert_array_equal(grad_images, expected)
    assert_array_equal(grad_kernels, X2[0, :2, :2, :, None])
    expected[0, :2, :2] = 0
    expected[0, 1, 1] = 1  # the window's maximum, 5, sits at (1, 1)
    assert_array_equal(cp.pool_backward(np.ones((1, 1, 1, 1)), X2, 2, stride, "max"), expected)
    # 3-D: one window along the height only; depth and width slide by 1 (sums of 2x2x2 blocks, by hand)
    sums = np.array([[X3[0, d : d + 2, 0:2, w : w + 2, 0].sum() for w in range(3)] for d in range(3)])
    assert_array_equal(cp.convolve(X3, K3, "valid", stride=(1, stride, 1))[0, :, 0, :, 0], sums)
    maxima = np.array([[X3[0, d : d + 2, 0:2, w : w + 2, 0].max() for w in range(3)] for d in range(3)])
    assert_array_equal(cp.pool(X3, (2, 2, 2), (1, stride, 1))[0, :, 0, :, 0], maxima)


def test_large_but_indexable_sizes_still_compute():
    # dilation 2**16 with 'full' padding: each tap meets the image on 4 outputs of its own
    # (2**18 and up are correct too, but take the NumPy backend from milliseconds to minutes)
    out = cp.convolve(X1, K1, "full", dilation=2**16)
    assert out.shape == (1, 2**16 + 4, 1)
    expected = np.zeros(2**16 + 4)
    expected[:4] += X1[0, :, 0]  # the tap at offset 2**16 reads the image for the first 4 outputs
    expected[2**16 :] += X1[0, :, 0]  # the tap at offset 0 for the last 4
    assert_array_equal(out[0, :, 0], expected)
