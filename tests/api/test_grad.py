"""Backward passes: finite differences, the adjoint identity, PyTorch, and hand-written gradients.

Every check compares with something computed independently of ``convpool._api.grad``:
central differences of the forward pass, the naive loop oracles in
``_reference``, PyTorch autograd (optional), or arrays written out by hand.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from _reference import conv_ref, pool_ref
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convpool import conv_geometry, convolve, convolve_backward, pool, pool_backward

pytestmark = pytest.mark.usefixtures("both_paths")

PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def numeric_grad(f, array: np.ndarray, eps: float = 1e-4) -> np.ndarray:
    """Central differences of the scalar ``f`` with respect to every element of ``array`` (float64)."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        keep = array[index]
        array[index] = keep + eps
        up = f(array)
        array[index] = keep - eps
        down = f(array)
        array[index] = keep
        grad[index] = (up - down) / (2 * eps)
    return grad


def conv_backward_ref(g, x, k, padding, stride):
    """Both gradients by looping over output positions, from the definition (zero padding, no dilation)."""
    stride = (stride, stride) if isinstance(stride, int) else stride
    gh, gw = conv_geometry(x.shape[1:3], k.shape[:2], stride, padding)
    xp = np.pad(x, ((0, 0), (gh.before, gh.after), (gw.before, gw.after), (0, 0)))
    gxp = np.zeros_like(xp)
    gk = np.zeros_like(k)
    kh, kw = k.shape[:2]
    for i in range(g.shape[1]):
        for j in range(g.shape[2]):
            rows = slice(i * stride[0], i * stride[0] + kh)
            cols = slice(j * stride[1], j * stride[1] + kw)
            gxp[:, rows, cols, :] += np.einsum("no,abco->nabc", g[:, i, j], k)
            gk += np.einsum("nabc,no->abco", xp[:, rows, cols, :], g[:, i, j])
    return gxp[:, gh.before : gh.before + x.shape[1], gw.before : gw.before + x.shape[2]], gk


def random_case(rng, c: int, nc: int, shape=(2, 5, 6), kernel=(2, 3)):
    x = rng.standard_normal(shape + (c,))
    k = rng.standard_normal(kernel + (c, nc))
    return x, k


# --------------------------------------------------------------------------- convolve: finite differences

PADDINGS = ("valid", "same", "full", 1, (1, 2), ((0, 2), (1, 0)))
STRIDES = (1, 2, (2, 3))
DILATIONS = (1, (2, 1))
CHANNELS = ((1, 1), (2, 3))
CONSTANT_GRID = list(itertools.product(PADDINGS, STRIDES, DILATIONS, CHANNELS))
MODE_GRID = list(itertools.product(PAD_MODES[1:], ("same", "full", ((0, 3), (2, 1))), (1, 2), (1, 2)))


def _check_fd(padding, stride, dilation, c, nc, pad_mode="constant", pad_value=0.0, seed=0):
    rng = np.random.default_rng(seed)
    x, k = random_case(rng, c, nc)
    opts = {"dilation": dilation, "pad_mode": pad_mode, "pad_value": pad_value}
    out = convolve(x, k, padding, stride, **opts)
    g = rng.standard_normal(out.shape)
    gx, gk = convolve_backward(g, x, k, padding, stride, **opts)
    assert gx.shape == x.shape and gk.shape == k.shape

    def loss_x(v):
        return np.sum(convolve(v, k, padding, stride, **opts) * g)

    def loss_k(v):
        return np.sum(convolve(x, v, padding, stride, **opts) * g)

    np.testing.assert_allclose(gx, numeric_grad(loss_x, x.copy()), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gk, numeric_grad(loss_k, k.copy()), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("padding", "stride", "dilation", "channels"), CONSTANT_GRID)
def test_convolve_backward_matches_finite_differences(padding, stride, dilation, channels):
    _check_fd(padding, stride, dilation, *channels)


@pytest.mark.parametrize(("pad_mode", "padding", "stride", "dilation"), MODE_GRID)
def test_convolve_backward_pad_modes_match_finite_differences(pad_mode, padding, stride, dilation):
    _check_fd(padding, stride, dilation, 2, 2, pad_mode=pad_mode)


def test_pad_value_enters_kernel_gradient_only():
    # A constant fill is an input-independent offset: grad_images ignores it,
    # grad_kernels sees it (finite differences say so).
    _check_fd("full", 1, 1, 2, 2, pad_value=3.5, seed=4)


def test_padding_wider_than_image_folds_back_repeatedly():
    # reflect/wrap with padding > size: np.pad reuses cells several times; every use must fold back.
    for mode in PAD_MODES[1:]:
        _check_fd(((5, 4), (0, 7)), 1, 1, 1, 2, pad_mode=mode, seed=7)


# --------------------------------------------------------------------------- convolve: adjoint identity


@pytest.mark.parametrize("pad_mode", PAD_MODES)
@pytest.mark.parametrize(("padding", "stride", "dilation"), [("same", 1, 1), ("valid", 2, 2), ((3, 1), (1, 3), (2, 1))])
def test_adjoint_identity_against_reference(pad_mode, padding, stride, dilation):
    """``<conv(x, k), g> == <x, grad_images> == <k, grad_kernels>`` with the naive oracle as forward."""
    rng = np.random.default_rng(1)
    x, k = random_case(rng, 3, 4, shape=(3, 9, 8), kernel=(3, 3))
    out = conv_ref(x, k, padding, stride, dilation, pad_mode)
    g = rng.standard_normal(out.shape)
    gx, gk = convolve_backward(g, x, k, padding, stride, dilation=dilation, pad_mode=pad_mode)
    lhs = np.vdot(out, g)
    assert np.vdot(x, gx) == pytest.approx(lhs, rel=1e-10)
    assert np.vdot(k, gk) == pytest.approx(lhs, rel=1e-10)


@pytest.mark.parametrize(("c", "nc"), [(3, 1), (20, 1), (1, 5), (20, 300)])
@pytest.mark.parametrize("stride", [1, 2])
def test_adjoint_identity_channel_shapes(c, nc, stride):
    # One output channel, one input channel, many of both: each takes its own product path.
    rng = np.random.default_rng(9)
    x, k = random_case(rng, c, nc, shape=(2, 7, 6), kernel=(3, 2))
    out = conv_ref(x, k, "same", stride)
    g = rng.standard_normal(out.shape)
    gx, gk = convolve_backward(g, x, k, "same", stride)
    lhs = np.vdot(out, g)
    assert np.vdot(x, gx) == pytest.approx(lhs, rel=1e-10)
    assert np.vdot(k, gk) == pytest.approx(lhs, rel=1e-10)
    # The adjoint identity alone does not pin every element: compare with the naive loops too.
    rx, rk = conv_backward_ref(g, x, k, "same", stride)
    np.testing.assert_allclose(gx, rx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gk, rk, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("padding", [((4, 0), (1, 5)), "full", ((0, 3), (3, 0))])
@pytest.mark.parametrize(("c", "nc"), [(3, 1), (1, 1), (2, 4)])
def test_stride1_constant_padding_wider_than_the_kernel_reach(padding, c, nc):
    # Zero padding beyond extent - 1 cells: the input gradient is a convolve of grad_output with
    # its rows/columns that only reach padding cropped off (negative "full" padding); vs the naive loops.
    rng = np.random.default_rng(12)
    x, k = random_case(rng, c, nc, shape=(3, 5, 4), kernel=(3, 2))
    out = conv_ref(x, k, padding, 1)
    g = rng.standard_normal(out.shape)
    gx, gk = convolve_backward(g, x, k, padding, 1)
    rx, rk = conv_backward_ref(g, x, k, padding, 1)
    np.testing.assert_allclose(gx, rx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gk, rk, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("pad_mode", ["constant", "reflect"])
def test_input_gradient_in_several_convolve_calls(monkeypatch, pad_mode):
    # Padded stride-1 input gradients go through convolve in calls of CONVOLVE_CALL_BYTES; make them tiny.
    import convpool._backends.numpy.conv_grad

    rng = np.random.default_rng(11)
    x, k = random_case(rng, 3, 4, shape=(7, 6, 5), kernel=(3, 3))
    g = rng.standard_normal((7, 6, 5, 4))
    whole = convolve_backward(g, x, k, "same", pad_mode=pad_mode)
    monkeypatch.setattr(convpool._backends.numpy.conv_grad, "CONVOLVE_CALL_BYTES", 1)  # one image per call
    split = convolve_backward(g, x, k, "same", pad_mode=pad_mode)
    np.testing.assert_allclose(split[0], whole[0], rtol=1e-12)
    np.testing.assert_array_equal(split[1], whole[1])
    out = conv_ref(x, k, "same", 1, 1, pad_mode)
    assert np.vdot(x, split[0]) == pytest.approx(np.vdot(out, g), rel=1e-10)


def test_adjoint_identity_many_blocks():
    # A batch large enough to be split into several blocks by the engine.
    rng = np.random.default_rng(2)
    x, k = random_case(rng, 8, 8, shape=(300, 24, 24), kernel=(3, 3))
    out = convolve(x, k, "same", 2)
    g = rng.standard_normal(out.shape)
    gx, gk = convolve_backward(g, x, k, "same", 2)
    lhs = np.vdot(out, g)
    assert np.vdot(x, gx) == pytest.approx(lhs, rel=1e-9)
    assert np.vdot(k, gk) == pytest.approx(lhs, rel=1e-9)


# --------------------------------------------------------------------------- convolve: hand-written


def test_convolve_backward_hand_written():
    # x 3x3, k 2x2 of ones, valid, stride 1: each input cell receives one unit per window covering it.
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    k = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(2, 2, 1, 1)
    g = np.array([[1.0, 0.0], [0.0, -1.0]]).reshape(1, 2, 2, 1)
    gx, gk = convolve_backward(g, x, k, "valid")
    # grad_x = g (full-)correlated with the flipped kernel: k placed at (0,0) minus k placed at (1,1).
    expected_x = np.array([[1.0, 2.0, 0.0], [3.0, 4.0 - 1.0, -2.0], [0.0, -3.0, -4.0]])
    # grad_k[a, b] = x[a, b] - x[a + 1, b + 1]
    expected_k = np.array([[0.0 - 4.0, 1.0 - 5.0], [3.0 - 7.0, 4.0 - 8.0]])
    np.testing.assert_array_equal(gx[0, :, :, 0], expected_x)
    np.testing.assert_array_equal(gk[:, :, 0, 0], expected_k)


def test_convolve_backward_stride_leaves_unread_cells_at_zero():
    # h = 5, k = 2, stride 2, valid: rows/cols 0-3 are read, row/col 4 never is.
    x = np.ones((1, 5, 5, 1))
    k = np.ones((2, 2, 1, 1))
    gx, _ = convolve_backward(np.ones((1, 2, 2, 1)), x, k, "valid", 2)
    expected = np.ones((5, 5))
    expected[4, :] = 0
    expected[:, 4] = 0
    np.testing.assert_array_equal(gx[0, :, :, 0], expected)


def test_edge_mode_sends_padding_gradient_to_edge_cells():
    # One row of 3 cells, a 1x3 kernel of ones, 'same' with edge padding: xp = x0 x0 x1 x2 x2.
    x = np.array([1.0, 2.0, 3.0]).reshape(1, 1, 3, 1)
    k = np.ones((1, 3, 1, 1))
    gx, _ = convolve_backward(np.ones((1, 1, 3, 1)), x, k, "same", pad_mode="edge")
    # xp cells are read 1, 2, 3, 2, 1 times; x0 gets cells 0 and 1, x2 cells 3 and 4.
    np.testing.assert_array_equal(gx[0, 0, :, 0], [3.0, 3.0, 3.0])
    gx, _ = convolve_backward(np.array([1.0, 0.0, 0.0]).reshape(1, 1, 3, 1), x, k, "same", pad_mode="reflect")
    # reflect: xp = x1 x0 x1 x2 x1; output 0 reads xp[0:3] = x1, x0, x1.
    np.testing.assert_array_equal(gx[0, 0, :, 0], [1.0, 2.0, 0.0])


# --------------------------------------------------------------------------- convolve: dtypes, inputs, shapes


def test_convolve_backward_dtypes_and_inputs_untouched():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 6, 6, 2)).astype(np.float32)
    k = rng.standard_normal((3, 3, 2, 2)).astype(np.float32)
    g = np.ones((2, 6, 6, 2), dtype=np.float32)
    copies = [a.copy() for a in (x, k, g)]
    gx, gk = convolve_backward(g, x, k, pad_mode="reflect")
    assert gx.dtype == np.float32 and gk.dtype == np.float32
    for a, b in zip((x, k, g), copies, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not any(np.shares_memory(r, a) for r in (gx, gk) for a in (x, k, g))
    xi = np.arange(2 * 6 * 6 * 2).reshape(2, 6, 6, 2)
    gx64, gk64 = convolve_backward(g.astype(np.int64), xi, k.astype(np.int8))
    assert gx64.dtype == np.float64 and gk64.dtype == np.float64
    np.testing.assert_allclose(gk64, convolve_backward(g, xi.astype(float), k.astype(np.int8).astype(float))[1])


def test_backward_accepts_non_contiguous_and_nested_lists():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((6, 7, 3, 2)).transpose(3, 1, 0, 2)  # (2, 7, 6, 3), not C-contiguous
    k = rng.standard_normal((3, 3, 3, 2))[::-1]
    g = rng.standard_normal((2, 4, 3, 2)).transpose(0, 1, 2, 3)[:, :, :, ::-1]
    expected = convolve_backward(np.ascontiguousarray(g), np.ascontiguousarray(x), np.ascontiguousarray(k), "same", 2)
    for got, want in zip(convolve_backward(g, x, k, "same", 2), expected, strict=True):
        # BLAS may sum a copied operand in another order: equal to rounding, not bit for bit
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    for got, want in zip(convolve_backward(g.tolist(), x.tolist(), k.tolist(), "same", 2), expected, strict=True):
        # BLAS may sum a copied operand in another order: equal to rounding, not bit for bit
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    gp = rng.standard_normal((2, 4, 3, 3))[:, :, :, ::-1]
    np.testing.assert_array_equal(
        pool_backward(gp, x, 2, 2, padding="same"), pool_backward(gp.copy(), x.copy(), 2, 2, padding="same")
    )


def test_convolve_backward_empty_batch():
    gx, gk = convolve_backward(np.zeros((0, 4, 4, 3)), np.zeros((0, 4, 4, 2)), np.ones((3, 3, 2, 3)))
    assert gx.shape == (0, 4, 4, 2)
    np.testing.assert_array_equal(gk, np.zeros((3, 3, 2, 3)))


# --------------------------------------------------------------------------- convolve: validation


def test_grad_output_shape_mismatch_names_both_shapes():
    x, k = np.ones((2, 5, 5, 1)), np.ones((3, 3, 1, 4))
    with pytest.raises(ValueError, match=r"grad_output.*\(2, 3, 3, 4\).*\(2, 5, 5, 4\)"):
        convolve_backward(np.ones((2, 5, 5, 4)), x, k, "valid")
    with pytest.raises(ValueError, match=r"grad_output must be a 4-D"):
        convolve_backward(np.ones((2, 3, 3)), x, k, "valid")
    with pytest.raises(TypeError, match="grad_output"):
        convolve_backward(np.full((2, 3, 3, 4), "a"), x, k, "valid")


BAD_CONV_ARGS = [
    ({"images": np.ones((5, 5, 1))}, ValueError),
    ({"kernels": np.ones((3, 3, 2, 1))}, ValueError),
    ({"padding": "middle"}, ValueError),
    ({"padding": -1}, ValueError),
    ({"stride": 0}, ValueError),
    ({"stride": 1.5}, TypeError),
    ({"dilation": (1, 0)}, ValueError),
    ({"pad_mode": "mirror"}, ValueError),
    ({"pad_mode": "edge", "pad_value": 1}, ValueError),
    ({"kernels": np.ones((9, 9, 1, 1)), "padding": "valid"}, ValueError),
]


@pytest.mark.parametrize(("bad", "error"), BAD_CONV_ARGS)
def test_convolve_backward_rejects_what_convolve_rejects(bad, error):
    args = {"images": np.ones((2, 5, 5, 1)), "kernels": np.ones((3, 3, 1, 1)), "padding": "same", "stride": 1}
    args.update(bad)
    opts = {key: args.pop(key) for key in ("dilation", "pad_mode", "pad_value") if key in args}
    with pytest.raises(error) as forward:
        convolve(args["images"], args["kernels"], args["padding"], args["stride"], **opts)
    with pytest.raises(error) as backward:
        convolve_backward(
            np.ones((2, 5, 5, 1)), args["images"], args["kernels"], args["padding"], args["stride"], **opts
        )
    assert str(backward.value) == str(forward.value)


# --------------------------------------------------------------------------- convolve: PyTorch oracle

TORCH_PAD = {"constant": "constant", "edge": "replicate", "reflect": "reflect", "wrap": "circular"}


@pytest.mark.parametrize("pad_mode", sorted(TORCH_PAD))
@pytest.mark.parametrize(
    ("padding", "stride", "dilation"), [("same", 1, 1), ("valid", (2, 3), 1), (((1, 2), (0, 3)), 2, (2, 1))]
)
def test_convolve_backward_matches_torch(pad_mode, padding, stride, dilation):
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    rng = np.random.default_rng(5)
    x, k = random_case(rng, 3, 4, shape=(2, 9, 10), kernel=(3, 2))
    gh, gw = conv_geometry(x.shape[1:3], k.shape[:2], stride, padding, dilation)
    out = convolve(x, k, padding, stride, dilation=dilation, pad_mode=pad_mode)
    g = rng.standard_normal(out.shape)
    gx, gk = convolve_backward(g, x, k, padding, stride, dilation=dilation, pad_mode=pad_mode)

    tx = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    tk = torch.tensor(k.transpose(3, 2, 0, 1), requires_grad=True)
    xp = functional.pad(tx, (gw.before, gw.after, gh.before, gh.after), mode=TORCH_PAD[pad_mode])
    y = functional.conv2d(xp, tk, stride=stride, dilation=dilation)
    y.backward(torch.tensor(g.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(gx, tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gk, tk.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- pool: hand-written


def _one(values):
    return np.asarray(values, dtype=float)[None, :, :, None]


def test_max_pool_tie_goes_to_first_in_row_major_order():
    x = _one([[1, 5, 5, 0], [5, 2, 0, 0], [3, 3, 7, 7], [3, 3, 7, 7]])
    g = _one([[10, 20], [30, 40]])
    expected = _one([[0, 10, 20, 0], [0, 0, 0, 0], [30, 0, 40, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(pool_backward(g, x, 2, 2, "max"), expected)
    # min: the first minimum; window (0,1) is [[5,0],[0,0]] -> (0,3).
    expected_min = _one([[10, 0, 0, 20], [0, 0, 0, 0], [30, 0, 40, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(pool_backward(g, x, 2, 2, "min"), expected_min)


def test_max_pool_overlapping_windows_accumulate():
    # 3x3 windows, stride 1 over 4x4: the 9 at (1,1) wins all four windows except the one holding 10.
    x = _one([[0, 0, 0, 0], [0, 9, 0, 0], [0, 0, 0, 0], [0, 0, 0, 10]])
    g = _one([[1, 2], [3, 4]])
    expected = _one([[0, 0, 0, 0], [0, 1 + 2 + 3, 0, 0], [0, 0, 0, 0], [0, 0, 0, 4]])
    np.testing.assert_array_equal(pool_backward(g, x, 3, 1, "max"), expected)


def test_max_pool_padded_windows_never_send_gradient_to_padding():
    # All-negative image, padding 1: padded cells (-inf for the max) never win,
    # and an all -inf window hands its gradient to its first real cell.
    x = _one([[-5, -1, -7], [-2, -3, -np.inf], [-np.inf, -np.inf, -np.inf]])
    g = _one([[1, 2], [3, 4]])
    # windows 2x2, stride 2, padding 1: rows/cols (-1,0), (1,2).
    # (0,0): {x00}=-5; (0,1): {x01,x02}={-1,-7} -> x01; (1,0): {x10,x20}={-2,-inf} -> x10;
    # (1,1): {x11,x12,x21,x22}={-3,-inf,-inf,-inf} -> x11.
    expected = _one([[1, 2, 0], [3, 4, 0], [0, 0, 0]])
    np.testing.assert_array_equal(pool_backward(g, x, 2, 2, "max", padding=1), expected)
    # Every window holds one real cell, all -inf, tied with the -inf padding: each real cell gets its window's.
    np.testing.assert_array_equal(pool_backward(g, np.full((1, 2, 2, 1), -np.inf), 2, 2, "max", padding=1), g)


def test_max_pool_integer_extremes_with_padding():
    low = np.iinfo(np.int16).min
    x = np.array([[low, low], [low, low]], dtype=np.int16)[None, :, :, None]
    g = _one([[1, 2], [3, 4]])
    # 2x2 windows, stride 1, padding ((1,0),(1,0)): every window's first real cell is its
    # top-left real one, even though the int16-min padding ties with it.
    expected = _one([[1 + 2 + 3 + 4, 0], [0, 0]])
    np.testing.assert_array_equal(pool_backward(g, x, 2, 1, "max", padding=((1, 0), (1, 0))), expected)


@pytest.mark.parametrize("stride", [2, 1])
def test_max_pool_non_finite_gradient_stays_with_the_winner(stride):
    x = _one([[1, 1, 0], [0, 0, 0], [0, 0, 0]])
    g = np.full(pool(x, 2, stride).shape, np.inf)
    gx = pool_backward(g, x, 2, stride, "max")
    # stride 2: one window [[1, 1], [0, 0]] -> the first 1. stride 1: windows (0,0), (0,1) tie-break to
    # (0,0) and (0,1); windows (1,0), (1,1) are all zeros -> their top-left cells (1,0), (1,1).
    expected = _one([[np.inf, 0, 0], [0, 0, 0], [0, 0, 0]])
    if stride == 1:
        expected = _one([[np.inf, np.inf, 0], [np.inf, np.inf, 0], [0, 0, 0]])
    np.testing.assert_array_equal(gx, expected)


@pytest.mark.parametrize("mode", ["max", "min"])
def test_tiling_windows_write_every_cell_and_handle_non_finite_gradients(mode):
    # 2x2 windows at stride 2 on a 4x4 image tile it: each cell is written once (no zero fill),
    # also when the gradient holds inf and nan (a masked copy, since inf * 0 is nan).
    x = _one([[1, 1, 5, 0], [0, 0, 5, 5], [2, 3, 4, 4], [3, 2, 4, 4]])
    x = x if mode == "max" else -x
    g = _one([[np.inf, -np.inf], [np.nan, 2.0]])
    expected = _one([[np.inf, 0, -np.inf, 0], [0, 0, 0, 0], [0, np.nan, 2, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(pool_backward(g, x, 2, 2, mode), expected)
    finite = _one([[1.0, 2.0], [3.0, 4.0]])
    expected = _one([[1, 0, 2, 0], [0, 0, 0, 0], [0, 3, 4, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(pool_backward(finite, x, 2, 2, mode), expected)
    # avg on the same tiling: every cell gets a quarter of its window's gradient
    np.testing.assert_array_equal(
        pool_backward(finite, x, 2, 2, "avg"), np.kron(finite[0, :, :, 0], np.full((2, 2), 0.25))[None, :, :, None]
    )


def test_max_pool_nan_wins():
    x = _one([[1, np.nan], [np.nan, 9]])
    np.testing.assert_array_equal(pool_backward(_one([[1.0]]), x, 2, 2, "max"), _one([[0, 1], [0, 0]]))


def test_avg_pool_divides_by_forward_counts():
    x = _one([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    g = _one([[12, 12], [12, 12]])
    # 2x2 windows, stride 2, padding 1 (rows/cols (-1,0), (1,2)): real cells 1, 2, 2, 4.
    expected = _one([[12, 6, 6], [6, 3, 3], [6, 3, 3]])
    np.testing.assert_array_equal(pool_backward(g, x, 2, 2, "avg", padding=1), expected)
    # count_include_pad: every window divides by 4.
    np.testing.assert_array_equal(
        pool_backward(g, x, 2, 2, "avg", padding=1, count_include_pad=True), _one([[3] * 3] * 3)
    )
    # sum: the gradient itself.
    np.testing.assert_array_equal(pool_backward(g, x, 2, 2, "sum", padding=1), _one([[12] * 3] * 3))


def test_avg_pool_overlapping_windows_accumulate():
    x = np.zeros((1, 3, 3, 1))
    g = _one([[4, 8], [12, 16]])
    # 2x2 windows, stride 1: each window spreads g/4; the centre gets from all four.
    expected = _one([[1, 1 + 2, 2], [1 + 3, 1 + 2 + 3 + 4, 2 + 4], [3, 3 + 4, 4]])
    np.testing.assert_array_equal(pool_backward(g, x, 2, 1, "avg"), expected)


# --------------------------------------------------------------------------- pool: finite differences and oracles

POOL_GRID = [
    (2, 2, "valid"),
    (3, 2, 1),
    (3, 1, "same"),
    ((3, 2), (2, 1), ((1, 0), (0, 1))),
    (2, 3, "valid"),
]


@pytest.mark.parametrize("mode", ["max", "min", "avg", "sum"])
@pytest.mark.parametrize(("window", "stride", "padding"), POOL_GRID)
@pytest.mark.parametrize("include", [False, True])
def test_pool_backward_matches_finite_differences(mode, window, stride, padding, include):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 7, 6, 2))  # distinct values: max/min are differentiable here
    out = pool_ref(x, window, stride, mode, padding, include)
    g = rng.standard_normal(out.shape)
    gx = pool_backward(g, x, window, stride, mode, padding=padding, count_include_pad=include)

    def loss(v):
        return np.sum(pool_ref(v, window, stride, mode, padding, include) * g)

    np.testing.assert_allclose(gx, numeric_grad(loss, x.copy(), eps=1e-6), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize(("window", "stride", "padding"), [(2, 2, 0), (3, 2, 1), (3, 1, 1), ((3, 2), (2, 1), (1, 1))])
@pytest.mark.parametrize("include", [False, True])
def test_pool_backward_matches_torch_with_ties(mode, window, stride, padding, include):
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    rng = np.random.default_rng(8)
    x = np.round(rng.standard_normal((2, 7, 6, 3)))  # many ties
    g = rng.standard_normal(pool(x, window, stride, mode, padding=padding).shape)
    gx = pool_backward(g, x, window, stride, mode, padding=padding, count_include_pad=include)
    tx = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    if mode == "max":
        y = functional.max_pool2d(tx, window, stride, padding)
    else:
        y = functional.avg_pool2d(tx, window, stride, padding, count_include_pad=include)
    y.backward(torch.tensor(g.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(gx, tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- pool: dtypes, validation


def test_pool_backward_dtypes_and_inputs_untouched():
    x = np.arange(32, dtype=np.uint8).reshape(2, 4, 4, 1)
    g = np.ones((2, 2, 2, 1), dtype=np.float32)
    copies = (x.copy(), g.copy())
    gx = pool_backward(g, x, 2, 2)
    assert gx.dtype == np.float32  # NumPy's promotion of uint8 and float32, as convolve does
    np.testing.assert_array_equal(x, copies[0])
    np.testing.assert_array_equal(g, copies[1])
    assert pool_backward(g, x.astype(np.float32), 2, 2, "avg").dtype == np.float32
    assert pool_backward(g.astype(np.int64), x.astype(bool), 2, 2).dtype == np.float64
    assert pool_backward(g.astype(np.float16), x.astype(np.float16), 2, 2).dtype == np.float32


def test_pool_backward_grad_output_shape_mismatch():
    with pytest.raises(ValueError, match=r"grad_output.*\(1, 2, 2, 3\).*\(1, 4, 4, 3\)"):
        pool_backward(np.ones((1, 4, 4, 3)), np.ones((1, 4, 4, 3)), 2, 2)


BAD_POOL_ARGS = [
    ({"images": np.ones((4, 4))}, ValueError),
    ({"kernel_shape": 0}, ValueError),
    ({"kernel_shape": (2, 2, 2)}, ValueError),
    ({"stride": "2"}, TypeError),
    ({"mode": "median"}, ValueError),
    ({"padding": 2}, ValueError),
    ({"count_include_pad": 1}, TypeError),
    ({"images": np.ones((1, 4, 4, 1), dtype=complex)}, TypeError),
]


@pytest.mark.parametrize(("bad", "error"), BAD_POOL_ARGS)
def test_pool_backward_rejects_what_pool_rejects(bad, error):
    args = {"images": np.ones((1, 4, 4, 1)), "kernel_shape": 2, "stride": 2, "mode": "max", "padding": "valid"}
    args["count_include_pad"] = False
    args.update(bad)
    images, window, stride, mode = (args.pop(key) for key in ("images", "kernel_shape", "stride", "mode"))
    with pytest.raises(error) as forward:
        pool(images, window, stride, mode, **args)
    with pytest.raises(error) as backward:
        pool_backward(np.ones((1, 2, 2, 1)), images, window, stride, mode, **args)
    assert str(backward.value) == str(forward.value)


# --------------------------------------------------------------------------- properties (hypothesis)

small = st.integers(1, 3)
pairs = st.one_of(small, st.tuples(small, small))
paddings = st.one_of(
    st.sampled_from(["valid", "same", "full"]),
    st.integers(0, 2),
    st.tuples(st.tuples(st.integers(0, 3), st.integers(0, 3)), st.tuples(st.integers(0, 3), st.integers(0, 3))),
)


@settings(deadline=None, max_examples=40)
@given(
    st.integers(0, 2**32 - 1),
    st.tuples(st.integers(1, 3), st.integers(1, 8), st.integers(1, 8), st.integers(1, 3), st.integers(1, 3)),
    st.tuples(st.integers(1, 3), st.integers(1, 3)),
    paddings,
    pairs,
    pairs,
    st.sampled_from(PAD_MODES),
)
def test_convolve_backward_is_the_adjoint_of_the_reference(seed, sizes, kernel, padding, stride, dilation, pad_mode):
    """With fresh random x2, k2: ``<x2, grad_images> == <conv_ref(x2, k), g>`` and likewise for kernels."""
    m, h, w, c, nc = sizes
    rng = np.random.default_rng(seed)
    x, k = rng.standard_normal((m, h, w, c)), rng.standard_normal(kernel + (c, nc))
    try:
        out = conv_ref(x, k, padding, stride, dilation, pad_mode)
    except ValueError:  # np.pad refuses (e.g. reflect of a 1-cell axis) or no window fits
        assume(False)
    assume(out.size > 0 and min(out.shape[1:3]) >= 1)
    try:
        convolve(x, k, padding, stride, dilation=dilation, pad_mode=pad_mode)
    except ValueError:
        assume(False)
    g = rng.standard_normal(out.shape)
    gx, gk = convolve_backward(g, x, k, padding, stride, dilation=dilation, pad_mode=pad_mode)
    x2, k2 = rng.standard_normal(x.shape), rng.standard_normal(k.shape)
    lhs_x = np.vdot(conv_ref(x2, k, padding, stride, dilation, pad_mode), g)
    lhs_k = np.vdot(conv_ref(x, k2, padding, stride, dilation, pad_mode), g)
    assert np.vdot(x2, gx) == pytest.approx(lhs_x, rel=1e-9, abs=1e-9)
    assert np.vdot(k2, gk) == pytest.approx(lhs_k, rel=1e-9, abs=1e-9)


@settings(deadline=None, max_examples=40)
@given(
    st.integers(0, 2**32 - 1),
    st.tuples(st.integers(1, 3), st.integers(1, 8), st.integers(1, 8), st.integers(1, 3)),
    pairs,
    pairs,
    st.sampled_from([0, 1, "same", ((1, 0), (0, 1))]),
    st.sampled_from(["max", "min", "avg", "sum"]),
    st.booleans(),
)
def test_pool_backward_pairs_with_the_reference(seed, sizes, window, stride, padding, mode, include):
    """Linear modes: the adjoint identity with a fresh x2. Max/min: each window's gradient lands on its winner."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(sizes)
    try:
        out = pool(x, window, stride, mode, padding=padding, count_include_pad=include)
    except ValueError:
        assume(False)
    g = rng.standard_normal(out.shape)
    gx = pool_backward(g, x, window, stride, mode, padding=padding, count_include_pad=include)
    if mode in ("avg", "sum"):
        x2 = rng.standard_normal(x.shape)
        lhs = np.vdot(pool_ref(x2, window, stride, mode, padding, include), g)
        assert np.vdot(x2, gx) == pytest.approx(lhs, rel=1e-9, abs=1e-9)
    else:
        # sum_windows g * x[winner] == <g, pool(x)>, and the gradient's total is g's total
        assert np.vdot(x, gx) == pytest.approx(np.vdot(pool_ref(x, window, stride, mode, padding), g), rel=1e-9)
        assert gx.sum() == pytest.approx(g.sum(), rel=1e-9, abs=1e-9)


# --------------------------------------------------------------------------- threads


@pytest.mark.parametrize(
    ("c", "nc", "padding", "stride"),
    [(1, 1, "valid", 1), (3, 1, (2, 1), 1), (2, 3, "same", 1), (1, 1, "same", 2), (2, 3, (1, 2), (2, 1)), (3, 1, 0, 2)],
)
def test_backward_on_threads_does_not_depend_on_their_count(monkeypatch, c, nc, padding, stride):
    # Tiny blocks: many per-block partial sums (and strided input-gradient blocks) on several
    # threads; kernel-gradient partial sums are added in block order.
    import convpool._backends.numpy.conv_grad

    rng = np.random.default_rng(13)
    x, k = random_case(rng, c, nc, shape=(40, 7, 6), kernel=(3, 2))
    g = rng.standard_normal(conv_ref(x, k, padding, stride).shape)
    monkeypatch.setattr(convpool._backends.numpy.conv_grad, "FLAT_GRAD_BLOCK_BYTES", 1)  # one image per block
    monkeypatch.setattr(convpool._backends.numpy.conv_grad, "TAP_BLOCK_BYTES", 1)
    results = []
    for threads in ("1", "3"):
        monkeypatch.setenv("CONVPOOL_NUM_THREADS", threads)
        results.append(convolve_backward(g, x, k, padding, stride))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    rx, rk = conv_backward_ref(g, x, k, padding, stride)
    np.testing.assert_allclose(results[0][0], rx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(results[0][1], rk, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("mode", "window", "stride", "padding"), [("max", 2, 2, 0), ("min", 3, 2, 1), ("avg", 2, 1, 0)]
)
def test_pool_backward_on_threads_matches_one_thread_and_torch(monkeypatch, engine_only, mode, window, stride, padding):
    torch = pytest.importorskip("torch")
    from convpool._backends.numpy import backward

    rng = np.random.default_rng(14)
    x = rng.integers(0, 4, (30, 6, 7, 2)).astype(np.float64)  # many ties
    g = rng.standard_normal(pool(x, window, stride, mode, padding=padding).shape)
    monkeypatch.setattr(backward, "POOL_BLOCK_BYTES", 1)  # many blocks on the thread pool (engine_only: no small path)
    results = []
    for threads in ("1", "3"):
        monkeypatch.setenv("CONVPOOL_NUM_THREADS", threads)
        results.append(pool_backward(g, x, window, stride, mode, padding=padding))
    np.testing.assert_array_equal(results[0], results[1])
    t = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    sign = -1 if mode == "min" else 1
    if mode == "avg":
        out = torch.nn.functional.avg_pool2d(t, window, stride, padding, count_include_pad=False)
    else:
        out = sign * torch.nn.functional.max_pool2d(sign * t, window, stride, padding)
    out.backward(torch.tensor(g.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(results[0], t.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-14)
