"""Dilated and ceil-mode pooling, forward and backward (issue 12).

Oracles: PyTorch's max_pool2d / avg_pool2d and autograd (float64, symmetric
padding), the naive loop in ``_reference.py`` (asymmetric padding, every
mode), hand-written arrays, and the validation messages.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from _reference import pool_ref
from numpy.testing import assert_allclose, assert_array_equal

from convpool import pool, pool_backward
from convpool._plan._shapes import axis_geometry, output_size

pytestmark = pytest.mark.usefixtures("both_paths")

# (size, kernel, stride, dilation, padding per side): a grid torch accepts (padding <= kernel // 2)
GRID = [
    (h, k, s, d, p)
    for h, k, s, d in itertools.product((5, 8), (2, 3), (1, 2, 3), (1, 2))
    for p in range(k // 2 + 1)
    if (k - 1) * d + 1 <= h + 2 * p
]


def _nchw(x):
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def _nhwc(t):
    return t.detach().numpy().transpose(0, 2, 3, 1)


def _no_ties(rng, shape):
    return rng.permutation(np.prod(shape)).reshape(shape) / 7.0 - 3.0


# --------------------------------------------------------------------------- hand-written cases


def test_hand_written_dilated_and_ceil_windows():
    x = np.arange(25.0).reshape(1, 5, 5, 1)
    # taps 2 apart: window (0, 0) reads rows/cols 0 and 2; stride 2 -> windows at 0 and 2
    assert_array_equal(pool(x, 2, 2, dilation=2)[0, :, :, 0], [[12, 14], [22, 24]])
    assert_array_equal(pool(x, 2, 2, "min", dilation=2)[0, :, :, 0], [[0, 2], [10, 12]])
    # floor: 2 windows of 2 in 5 cells; ceil: a third window holding row/column 4 alone
    assert pool(x, 2, 2).shape == (1, 2, 2, 1)
    assert_array_equal(pool(x, 2, 2, ceil_mode=True)[0, :, :, 0], [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
    avg = pool(x, 2, 2, "avg", ceil_mode=True, count_include_pad=True)[0, :, :, 0]
    # the cut windows divide by the cells they hold (2 or 1), not by 4
    assert_allclose(avg, [[3, 5, 6.5], [13, 15, 16.5], [20.5, 22.5, 24]])


def test_ceil_mode_last_window_must_start_inside_the_image_or_top_padding():
    # size 4, kernel 2, stride 2, padding 1 per side: ceil((6 - 2) / 2) + 1 = 3; a 4th would start in padding
    assert output_size(4, 2, 2, 1, 1, 1, ceil=True) == 3
    # size 5, kernel 3, stride 3, padding 1: ceil((7 - 3) / 3) + 1 = 3, but window 2 starts at padded 6 >= 1 + 5
    assert output_size(5, 3, 3, 1, 1, 1, ceil=True) == 2
    assert output_size(5, 3, 3, 1, 1, 1) == 2
    # size 5, padding 1 per side: ceil((7 - 2) / 2) + 1 = 4, but window 3 would start at padded 6 = 1 + 5
    g = axis_geometry(((1, 1), (1, 1)), 0, 5, 2, 2, ceil=True)
    assert (g.out, g.after, g.overhang) == (3, 1, 0)
    # no padding: the third window starts at cell 4 and reaches one cell past the image
    g = axis_geometry("valid", 0, 5, 2, 2, ceil=True)
    assert (g.out, g.after, g.overhang) == (3, 1, 1)


def test_the_public_shape_helper_agrees_with_pool():
    from convpool import conv_output_shape

    x = np.zeros((1, 9, 8, 1))
    for (k, s, padding, d), ceil in itertools.product(CASES, (False, True)):
        want = pool(x, k, s, padding=padding, dilation=d, ceil_mode=ceil).shape[1:3]
        assert conv_output_shape((9, 8), k, s, padding, d, ceil_mode=ceil) == want
    assert conv_output_shape(5, 2, 2, ceil_mode=True) == (3, 3)  # by hand: windows at 0, 2, 4
    with pytest.raises(TypeError, match="ceil_mode must be True or False"):
        conv_output_shape(5, 2, 2, ceil_mode=None)


# --------------------------------------------------------------------------- PyTorch


def test_max_forward_and_backward_match_torch():
    torch = pytest.importorskip("torch")
    fn = torch.nn.functional
    rng = np.random.default_rng(12)
    for (h, k, s, d, p), ceil in itertools.product(GRID, (False, True)):
        x = _no_ties(rng, (2, h, h + 1, 2))
        t = torch.tensor(_nchw(x), requires_grad=True)
        want = fn.max_pool2d(t, k, s, p, dilation=d, ceil_mode=ceil)
        got = pool(x, k, s, "max", padding=p, dilation=d, ceil_mode=ceil)
        assert_array_equal(got, _nhwc(want), err_msg=str((h, k, s, d, p, ceil)))
        g = rng.standard_normal(got.shape)
        want.backward(torch.tensor(_nchw(g)))
        grad = pool_backward(g, x, k, s, "max", padding=p, dilation=d, ceil_mode=ceil)
        assert_allclose(grad, _nhwc(t.grad), rtol=1e-12, atol=1e-12, err_msg=str((h, k, s, d, p, ceil)))


def test_avg_forward_and_backward_match_torch():
    """torch's avg_pool2d has no dilation; its ceil-mode divisor with count_include_pad is the cut window."""
    torch = pytest.importorskip("torch")
    fn = torch.nn.functional
    rng = np.random.default_rng(13)
    for (h, k, s, _, p), ceil, include in itertools.product(
        [c for c in GRID if c[3] == 1], (False, True), (False, True)
    ):
        x = rng.standard_normal((2, h, h + 1, 2))
        t = torch.tensor(_nchw(x), requires_grad=True)
        want = fn.avg_pool2d(t, k, s, p, ceil_mode=ceil, count_include_pad=include)
        options = dict(padding=p, ceil_mode=ceil, count_include_pad=include)
        assert_allclose(pool(x, k, s, "avg", **options), _nhwc(want), rtol=1e-12, atol=1e-12)
        g = rng.standard_normal(_nhwc(want).shape)
        want.backward(torch.tensor(_nchw(g)))
        assert_allclose(pool_backward(g, x, k, s, "avg", **options), _nhwc(t.grad), rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- the naive loop, asymmetric padding


CASES = [
    # kernel, stride, padding, dilation
    (3, 2, ((2, 0), (0, 1)), 2),
    ((2, 3), (3, 2), ((1, 1), (2, 0)), (3, 1)),
    (2, 3, "same", 2),
    ((3, 2), 1, "valid", (1, 3)),
    (2, (2, 3), "full", 1),
]


@pytest.mark.parametrize("mode", ["max", "min", "avg", "sum"])
def test_every_mode_matches_the_naive_loop(mode):
    rng = np.random.default_rng(14)
    x = _no_ties(rng, (2, 9, 8, 3))
    for (k, s, padding, d), ceil, include in itertools.product(CASES, (False, True), (False, True)):
        options = dict(padding=padding, dilation=d, ceil_mode=ceil, count_include_pad=include)
        want = pool_ref(x, k, s, mode, **options)
        assert_allclose(pool(x, k, s, mode, **options), want, rtol=1e-13, err_msg=str((k, s, padding, d, ceil)))


@pytest.mark.parametrize("mode", ["max", "min", "avg", "sum"])
def test_backward_is_the_adjoint_of_the_forward(mode):
    """<pool(x + e dx) - pool(x), g> / e == <dx, pool_backward(g, x)>; exact for linear modes."""
    rng = np.random.default_rng(15)
    x = _no_ties(rng, (2, 9, 8, 2))
    for (k, s, padding, d), ceil in itertools.product(CASES, (False, True)):
        options = dict(padding=padding, dilation=d, ceil_mode=ceil, count_include_pad=ceil)
        y = pool(x, k, s, mode, **options)
        g = rng.standard_normal(y.shape)
        dx = rng.standard_normal(x.shape)
        step = 1e-6  # far below the 1/7 gap between values: no winner changes
        change = np.vdot(pool(x + step * dx, k, s, mode, **options) - y, g) / step
        assert_allclose(np.vdot(dx, pool_backward(g, x, k, s, mode, **options)), change, rtol=1e-6)


def test_tiles_are_exact_with_dilation_and_ceil_mode(monkeypatch):
    """A small block budget cuts one image into tiles; the result does not change a bit."""
    from convpool._backends.numpy import pooling

    rng = np.random.default_rng(16)
    x = rng.standard_normal((1, 61, 47, 4))
    options = dict(padding=((2, 1), (0, 2)), dilation=(2, 3), ceil_mode=True, count_include_pad=True)
    whole = {mode: pool(x, 3, 2, mode, **options) for mode in ("max", "avg")}
    monkeypatch.setattr(pooling, "POOL_BLOCK_BYTES", 4096)
    for mode, want in whole.items():
        assert_array_equal(pool(x, 3, 2, mode, **options), want)
        assert_allclose(want, pool_ref(x, 3, 2, mode, **options), rtol=1e-13)


# --------------------------------------------------------------------------- validation

IMG = np.zeros((1, 6, 6, 1))


@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (lambda: pool(IMG, 2, 2, dilation=0), ValueError, r"dilation must be >= 1, got 0"),
        (lambda: pool(IMG, 2, 2, dilation=(1, 2, 3)), ValueError, r"dilation must be an int or a pair"),
        (lambda: pool(IMG, 2, 2, dilation=1.5), TypeError, r"dilation"),
        (lambda: pool(IMG, 2, 2, ceil_mode="yes"), TypeError, r"ceil_mode must be True or False, got 'yes'"),
        (lambda: pool(IMG, 3, 1, dilation=3), ValueError, r"kernel_shape height 3 \(dilated by 3\) spans 7 cells"),
        # taps -1 and 1 of a 1-cell image: the dilated window steps over its only cell
        (lambda: pool(IMG[:, :1, :1], 2, 1, padding=1, dilation=2), ValueError, r"dilation \(2, 2\): some window"),
        (lambda: pool_backward(np.zeros((1, 3, 3, 1)), IMG, 2, 2, ceil_mode=1), TypeError, r"ceil_mode must be"),
        (lambda: pool_backward(np.zeros((1, 3, 3, 1)), IMG, 2, 2, dilation=2), ValueError, r"grad_output must"),
    ],
)
def test_new_arguments_are_checked(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()
