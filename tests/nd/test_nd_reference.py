"""Any number of spatial axes against the naive N-D oracles (``_reference_nd``) and SciPy's ``ndimage.correlate``.

Pad modes, padding forms, grouped kernels, integer inputs, 4-D windows (the peeling recursion twice), and
the gradients as adjoints of the forward pass (``<conv(x), g> == <x, grad_x>``).
"""

from __future__ import annotations

import numpy as np
import pytest
from _reference_nd import conv_nd_ref, conv_transpose_nd_ref, pool_nd_ref

import convpool

pytestmark = pytest.mark.usefixtures("both_paths", "bands")

PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


@pytest.mark.parametrize("pad_mode", PAD_MODES)
@pytest.mark.parametrize(
    ("shape", "taps", "padding", "stride", "dilation"),
    [
        ((2, 11, 3), (4,), "same", 2, 1),
        ((2, 5, 6, 7, 2), (3, 2, 3), "full", (2, 1, 1), (1, 2, 1)),
        ((1, 4, 5, 6, 2), (2, 3, 3), ((3, 1), (0, 2), (1, 1)), 1, 1),
        ((2, 4, 3, 5, 4, 2), (2, 2, 3, 2), 1, (1, 2, 1, 2), 1),  # four axes
    ],
)
def test_convolve_matches_the_naive_reference(rng, pad_mode, shape, taps, padding, stride, dilation):
    x = rng.standard_normal(shape)
    k = rng.standard_normal((*taps, shape[-1], 3))
    fill = 1.5 if pad_mode == "constant" else 0
    got = convpool.convolve(x, k, padding, stride, dilation=dilation, pad_mode=pad_mode, pad_value=fill)
    expected = conv_nd_ref(x, k, padding, stride, dilation, pad_mode, fill)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("pad_mode", PAD_MODES)
def test_gradients_are_the_adjoints(rng, pad_mode):
    """``<convolve(x, k), g>`` is linear in ``x`` and in ``k``: its gradients are ``convolve_backward``'s."""
    x = rng.standard_normal((2, 5, 4, 6, 2))
    k = rng.standard_normal((3, 2, 3, 2, 3))
    options = dict(padding="same", stride=(2, 1, 2), pad_mode=pad_mode)
    g = rng.standard_normal(convpool.convolve(x, k, **options).shape)
    gx, gk = convpool.convolve_backward(g, x, k, **options)
    dx, dk = rng.standard_normal(x.shape), rng.standard_normal(k.shape)
    # linear in each: the directional derivative is exact
    np.testing.assert_allclose(np.vdot(conv_nd_ref(dx, k, "same", (2, 1, 2), 1, pad_mode), g), np.vdot(gx, dx))
    np.testing.assert_allclose(np.vdot(conv_nd_ref(x, dk, "same", (2, 1, 2), 1, pad_mode), g), np.vdot(gk, dk))


def test_grouped_and_integer_volumes(rng):
    x = rng.integers(0, 255, (2, 4, 5, 6, 4)).astype(np.uint8)
    k = rng.integers(-3, 4, (2, 3, 2, 2, 6)).astype(np.int16)
    got = convpool.convolve(x, k, "same", groups=2)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, conv_nd_ref(x, k, "same", groups=2))  # integers: exact
    assert convpool.convolve(x.astype(np.float32), k, "same", groups=2).dtype == np.float32


@pytest.mark.parametrize("mode", ["max", "min", "avg", "sum"])
@pytest.mark.parametrize(
    ("shape", "window", "stride", "padding", "include", "ceil"),
    [
        ((2, 9, 2), (3,), 2, 1, False, True),
        ((2, 6, 7, 5, 2), (2, 3, 2), (2, 2, 1), ((1, 0), (1, 1), (0, 1)), True, False),
        ((1, 7, 5, 6, 3), (3, 2, 2), 2, (1, 1, 0), True, True),
        ((1, 6, 5, 4, 2), (3, 2, 2), 2, 1, True, True),  # ceil_mode's overhang on the leading axis
        ((2, 4, 5, 3, 4, 1), (2, 2, 2, 3), (2, 1, 2, 1), 0, False, False),  # four axes
    ],
)
def test_pool_matches_the_naive_reference(rng, mode, shape, window, stride, padding, include, ceil):
    x = rng.standard_normal(shape)
    options = dict(padding=padding, count_include_pad=include, ceil_mode=ceil)
    got = convpool.pool(x, window, stride, mode, **options)
    np.testing.assert_allclose(got, pool_nd_ref(x, window, stride, mode, padding, include, 1, ceil), atol=1e-12)


def test_max_pool_keeps_integers_and_its_gradient_goes_to_the_first_winner():
    """Ties: the first winner in row-major order (the earliest slice, then its first cell), as in 2-D."""
    x = np.zeros((1, 2, 2, 2, 1), dtype=np.uint8)
    x[0, 1, 0, 0, 0] = x[0, 0, 1, 1, 0] = 7  # two winners: (0, 1, 1) comes first
    assert convpool.pool(x, (2, 2, 2), 2).dtype == np.uint8
    grad = convpool.pool_backward(np.ones((1, 1, 1, 1, 1)), x, (2, 2, 2), 2)
    expected = np.zeros((1, 2, 2, 2, 1))
    expected[0, 0, 1, 1, 0] = 1
    np.testing.assert_array_equal(grad, expected)


@pytest.mark.parametrize(
    ("shape", "taps", "padding", "stride", "dilation", "extra", "groups"),
    [
        ((2, 6, 4), (3,), ((1, 2),), 2, 1, (1,), 2),
        ((1, 3, 2, 4, 2), (2, 3, 2), ((0, 1), (1, 1), (2, 0)), (2, 3, 1), (1, 1, 2), (1, 2, 0), 1),
    ],
)
def test_convolve_transpose_matches_the_naive_reference(rng, shape, taps, padding, stride, dilation, extra, groups):
    y = rng.standard_normal(shape)
    k = rng.standard_normal((*taps, 2, shape[-1]))
    got = convpool.convolve_transpose(y, k, padding, stride, dilation=dilation, output_padding=extra, groups=groups)
    smallest = convpool.conv_transpose_output_shape(shape[1:-1], taps, stride, padding, dilation)
    sizes = tuple(s + e for s, e in zip(smallest, extra, strict=True))
    assert got.shape == (shape[0], *sizes, 2 * groups)
    np.testing.assert_allclose(got, conv_transpose_nd_ref(y, k, padding, stride, dilation, sizes, groups), atol=1e-10)


# NumPy's pad words in scipy.ndimage's: its 'reflect' repeats the edge (NumPy's 'symmetric')
SCIPY_MODES = {"constant": "constant", "edge": "nearest", "reflect": "mirror", "symmetric": "reflect", "wrap": "wrap"}


@pytest.mark.parametrize("pad_mode", PAD_MODES)
def test_volumes_match_scipy_ndimage(rng, pad_mode):
    ndimage = pytest.importorskip("scipy.ndimage")
    volume = rng.standard_normal((9, 10, 11))
    kernel = rng.standard_normal((3, 5, 3))
    fill = -2.0 if pad_mode == "constant" else 0
    expected = ndimage.correlate(volume, kernel, mode=SCIPY_MODES[pad_mode], cval=fill)
    got = convpool.convolve(volume[None, ..., None], kernel[..., None, None], "same", pad_mode=pad_mode, pad_value=fill)
    np.testing.assert_allclose(got[0, ..., 0], expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("pad_mode", PAD_MODES)
def test_separable_volume_kernels_match_the_naive_reference(rng, pad_mode):
    """A kernel u (outer) v (outer) w runs as one pass along depth and a 2-D pass: same results, any geometry."""
    x = rng.standard_normal((2, 7, 6, 5, 1))
    k = np.multiply.outer(np.multiply.outer(rng.standard_normal(3), rng.standard_normal(2)), rng.standard_normal(3))
    k = k[..., None, None]
    fill = 0.75 if pad_mode == "constant" else 0
    options = dict(dilation=(2, 1, 1), pad_mode=pad_mode, pad_value=fill)
    got = convpool.convolve(x, k, "same", (2, 1, 2), **options)
    expected = conv_nd_ref(x, k, "same", (2, 1, 2), (2, 1, 1), pad_mode, fill)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.filterwarnings("error")  # NaN and inf are values of the result, not warnings, as in 2-D
def test_separable_volume_kernels_keep_nan_and_inf_where_the_definition_puts_them():
    """inf - inf is NaN wherever a window holds both, and +-inf where it holds one (no zero taps: the 2-D engine
    skips a zero tap, as docs/performance.md says, so 0 * inf is not part of this rule)."""
    x = np.zeros((1, 6, 5, 5, 1))
    x[0, 2, 2, 2, 0], x[0, 3, 2, 3, 0] = np.inf, -np.inf
    k = np.multiply.outer(np.multiply.outer([1.0, 2.0, 1.0], [1.0, 3.0]), [2.0, 1.0, 1.0])[..., None, None]
    got, expected = convpool.convolve(x, k, "same"), conv_nd_ref(x, k, "same")
    assert np.isnan(expected).any() and np.isinf(expected).any()
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(convpool.convolve(x, k[..., :1, :] * 2, "same"), conv_nd_ref(x, k * 2, "same"))
    pooled = convpool.pool(x, (2, 2, 2), 1, "avg")  # inf - inf in a sum
    assert np.isnan(pooled).any()
