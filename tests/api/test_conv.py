"""Convolution: hand-written expected arrays, the naive reference, SciPy, dtypes and memory rules."""

import itertools

import numpy as np
import pytest
from _reference import conv_ref
from numpy.testing import assert_allclose, assert_array_equal

from convpool import (
    convolve,
    convolve_channels,
    convolve_grayscale,
    convolve_grayscale_padding,
    convolve_grayscale_same,
    convolve_grayscale_valid,
    kernels,
)

pytestmark = pytest.mark.usefixtures("both_paths")

EDGE_KERNEL = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])  # the spec's kernel, tasks 0-3
SHARPEN_KERNEL_3C = kernels.spec_sharpen()  # (3, 3, 3), task 4
KERNELS_3X3X3X3 = kernels.spec_kernels()  # (3, 3, 3, 3), task 5

# x (3x3) and an even kernel k (2x2): expected outputs worked out by hand.
X = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=float)
K = np.array([[1, 2], [3, 4]], dtype=float)
HAND = {
    # out[i, j] = x[i, j] + 2 x[i, j+1] + 3 x[i+1, j] + 4 x[i+1, j+1]
    "valid": [[37, 47], [67, 77]],
    # total padding 1 per axis: 0 before, 1 after (bottom/right)
    "same": [[37, 47, 21], [67, 77, 33], [23, 26, 9]],
    "full": [[4, 11, 18, 9], [18, 37, 47, 21], [36, 67, 77, 33], [14, 23, 26, 9]],
    # one zero row on top, one zero column on the right
    ((1, 0), (0, 1)): [[11, 18, 9], [37, 47, 21], [67, 77, 33]],
    # (ph, pw) = (1, 0): one zero row above and below
    (1, 0): [[11, 18], [37, 47], [67, 77], [23, 26]],
}


@pytest.mark.parametrize("padding", list(HAND), ids=str)
def test_hand_written_paddings(padding):
    out = convolve_grayscale(X[None], K, padding=padding)
    assert_array_equal(out[0], HAND[padding])


def test_hand_written_stride_and_dilation():
    # 'same' at stride 2: out 2x2, padding (0, 1) per axis, windows at rows/cols 0 and 2
    assert_array_equal(convolve_grayscale(X[None], K, "same", (2, 2))[0], [[37, 21], [23, 9]])
    # dilation 2: the taps land on the four corners of x
    assert_array_equal(convolve_grayscale(X[None], K, "valid", dilation=2)[0], [[1 + 6 + 21 + 36]])


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("constant", [9, 9, 1, 2, 3, 4, 9, 9]),
        ("edge", [1, 1, 1, 2, 3, 4, 4, 4]),
        ("reflect", [3, 2, 1, 2, 3, 4, 3, 2]),
        ("symmetric", [2, 1, 1, 2, 3, 4, 4, 3]),
        ("wrap", [3, 4, 1, 2, 3, 4, 1, 2]),
    ],
)
def test_pad_modes_by_pattern(mode, expected):
    row = np.array([[[1.0, 2, 3, 4]]])  # (1, 1, 4)
    value = 9 if mode == "constant" else 0
    out = convolve_grayscale(row, [[1.0]], padding=((0, 0), (2, 2)), pad_mode=mode, pad_value=value)
    assert_array_equal(out[0, 0], expected)


def test_spec_kernel_on_a_vertical_edge():
    # a dark-to-bright step: [[1, 0, -1]] * 3 responds with -3 * step where the window straddles it
    image = np.tile([0.0, 0, 0, 10, 10, 10], (5, 1))[None]
    out = convolve_grayscale_valid(image, EDGE_KERNEL)
    assert_array_equal(out[0], np.tile([0.0, -30, -30, 0], (3, 1)))


PADDINGS = ["valid", "same", "full", (1, 2), ((0, 2), (1, 0)), 1]
STRIDES = [1, (2, 1), 3]
DILATIONS = [1, (1, 2), 2]
CHANNELS = [(1, 1), (3, 2), (2, 4)]
KSHAPES = [(2, 3), (3, 3), (1, 1)]


@pytest.mark.parametrize(
    ("padding", "stride", "dilation", "channels", "kshape"),
    list(itertools.product(PADDINGS, STRIDES, DILATIONS, CHANNELS, KSHAPES)),
    ids=str,
)
def test_convolve_matches_reference(rng, padding, stride, dilation, channels, kshape):
    c, nc = channels
    x = rng.normal(size=(2, 7, 8, c))
    k = rng.normal(size=(*kshape, c, nc))
    expected = conv_ref(x, k, padding, stride, dilation)
    assert_allclose(convolve(x, k, padding, stride, dilation=dilation), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric", "wrap"])
@pytest.mark.parametrize("padding", ["same", "full", ((3, 0), (1, 4))])
def test_pad_modes_match_reference(rng, mode, padding):
    x = rng.normal(size=(2, 5, 6, 2))
    k = rng.normal(size=(3, 2, 2, 3))
    value = 0.5 if mode == "constant" else 0
    out = convolve(x, k, padding, (1, 2), dilation=(2, 1), pad_mode=mode, pad_value=value)
    expected = conv_ref(x, k, padding, (1, 2), (2, 1), pad_mode=mode, pad_value=value)
    assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_seven_functions_match_reference(rng):
    gray = rng.integers(0, 256, size=(3, 12, 11)).astype(np.uint8)
    rgb = rng.integers(0, 256, size=(3, 10, 9, 3)).astype(np.uint8)
    g4 = gray[..., None]
    k4 = EDGE_KERNEL[:, :, None, None]
    assert_allclose(convolve_grayscale_valid(gray, EDGE_KERNEL), conv_ref(g4, k4, "valid")[..., 0])
    assert_allclose(convolve_grayscale_same(gray, EDGE_KERNEL), conv_ref(g4, k4, "same")[..., 0])
    assert_allclose(convolve_grayscale_padding(gray, EDGE_KERNEL, (2, 4)), conv_ref(g4, k4, (2, 4))[..., 0])
    assert_allclose(convolve_grayscale(gray, EDGE_KERNEL, "valid", (2, 2)), conv_ref(g4, k4, "valid", (2, 2))[..., 0])
    assert_allclose(
        convolve_channels(rgb, SHARPEN_KERNEL_3C, "valid"), conv_ref(rgb, SHARPEN_KERNEL_3C[..., None], "valid")[..., 0]
    )
    assert_allclose(convolve(rgb, KERNELS_3X3X3X3, "valid"), conv_ref(rgb, KERNELS_3X3X3X3, "valid"))


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
@pytest.mark.parametrize("kshape", [(3, 3), (5, 3), (2, 4)])
def test_grayscale_matches_scipy(rng, mode, kshape):
    signal = pytest.importorskip("scipy.signal")
    if mode == "same" and kshape[0] % 2 == 0:
        pytest.skip("scipy's 'same' centres even kernels the other way round")
    x = rng.normal(size=(2, 9, 10))
    k = rng.normal(size=kshape)
    expected = np.stack([signal.correlate2d(img, k, mode=mode) for img in x])
    assert_allclose(convolve_grayscale(x, k, padding=mode), expected, rtol=1e-12, atol=1e-12)


def test_spec_shapes():
    gray = np.zeros((5, 28, 28))
    rgb = np.zeros((4, 32, 32, 3), dtype=np.uint8)
    assert convolve_grayscale_valid(gray, EDGE_KERNEL).shape == (5, 26, 26)
    assert convolve_grayscale_same(gray, EDGE_KERNEL).shape == (5, 28, 28)
    assert convolve_grayscale_padding(gray, EDGE_KERNEL, (2, 4)).shape == (5, 30, 34)
    assert convolve_grayscale(gray, EDGE_KERNEL, padding="valid", stride=(2, 2)).shape == (5, 13, 13)
    assert convolve_channels(rgb, SHARPEN_KERNEL_3C, padding="valid").shape == (4, 30, 30)
    assert convolve(rgb, KERNELS_3X3X3X3, padding="valid").shape == (4, 30, 30, 3)


@pytest.mark.parametrize(
    ("images", "kernels", "expected"),
    [
        (np.float32, np.float32, np.float32),
        (np.float64, np.float64, np.float64),
        (np.float32, np.float64, np.float64),
        (np.uint8, np.int64, np.float64),
        (np.int32, np.int32, np.float64),
        (np.bool_, np.bool_, np.float64),
        (np.float16, np.float16, np.float32),
        (np.uint8, np.float32, np.float32),
        (np.float32, np.int64, np.float32),  # the spec's integer kernels keep float32 images float32
        (np.int64, np.float16, np.float32),
    ],
)
def test_result_dtype(images, kernels, expected):
    out = convolve(np.ones((1, 4, 4, 2), dtype=images), np.ones((2, 2, 2, 1), dtype=kernels))
    assert out.dtype == expected
    assert_array_equal(out[0, :3, :3, 0], 8)


def test_integer_sums_never_wrap():
    images = np.full((1, 3, 3, 1), 255, dtype=np.uint8)
    kernels = np.full((3, 3, 1, 1), 255, dtype=np.uint8)
    assert convolve(images, kernels, "valid")[0, 0, 0, 0] == 9 * 255 * 255
    big = np.full((1, 2, 2, 1), 2**40, dtype=np.int64)
    assert convolve(big, np.ones((2, 2, 1, 1), dtype=np.int64), "valid")[0, 0, 0, 0] == 4 * 2**40


def test_float32_accuracy_close_to_float64(rng):
    x = rng.normal(size=(2, 16, 16, 8))
    k = rng.normal(size=(3, 3, 8, 4))
    out32 = convolve(x.astype(np.float32), k.astype(np.float32))
    assert_allclose(out32, convolve(x, k), rtol=1e-4, atol=1e-4)


def test_inputs_unchanged_and_outputs_fresh(rng):
    x = rng.normal(size=(2, 6, 6, 1))
    k = np.ones((1, 1, 1, 1))
    x_before, k_before = x.copy(), k.copy()
    for padding in ("valid", "same", (1, 1)):
        out = convolve(x, k, padding, pad_mode="edge")
        assert not np.shares_memory(out, x)
        out[...] = 123
    assert_array_equal(x, x_before)
    assert_array_equal(k, k_before)
    gray = x[..., 0]
    out = convolve_grayscale_valid(gray, [[1.0]])
    assert_array_equal(out, gray)
    assert not np.shares_memory(out, gray)


def test_non_contiguous_input(rng):
    x = rng.normal(size=(9, 8, 3, 2)).transpose(3, 1, 0, 2)  # (2, 8, 9, 3), strided
    k = rng.normal(size=(3, 3, 3, 2))
    assert_allclose(convolve(x, k, "same", 2), conv_ref(x, k, "same", 2), rtol=1e-12, atol=1e-12)


def test_empty_batch():
    out = convolve(np.zeros((0, 8, 8, 3)), np.ones((3, 3, 3, 5)), "valid", 2)
    assert out.shape == (0, 3, 3, 5)
    assert convolve_grayscale_same(np.zeros((0, 28, 28)), EDGE_KERNEL).shape == (0, 28, 28)


def test_nested_lists_accepted():
    out = convolve_grayscale_valid(X[None].tolist(), K.tolist())
    assert_array_equal(out[0], HAND["valid"])


def test_batch_larger_than_one_block(rng):
    # more images than one engine block holds: blocks must tile the batch exactly
    x = rng.normal(size=(3000, 12, 12, 1))
    k = rng.normal(size=(3, 3, 1, 1))
    out = convolve(x, k, "same")
    assert_allclose(out[[0, 1499, 2999]], conv_ref(x[[0, 1499, 2999]], k, "same"), rtol=1e-12, atol=1e-12)
