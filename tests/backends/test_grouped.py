"""Grouped and depthwise convolution, forward and backward (issue 12).

Oracles: PyTorch's conv2d(groups=) and autograd (float64), the naive loop in
``_reference.py`` (every pad mode), hand-written arrays, the adjoint identity,
and the validation messages.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from _reference import conv_ref
from numpy.testing import assert_allclose

from convpool import convolve, convolve_backward

# c, nc, groups: depthwise, depthwise with a channel multiplier, and wider groups
GROUPINGS = [(4, 4, 4), (3, 6, 3), (6, 4, 2), (6, 9, 3), (4, 12, 2)]
# padding per side, stride, dilation
GEOMETRIES = [(1, 1, 1), (0, 2, 2), (2, (1, 2), (2, 1))]


def _data(rng, c, nc, groups, dtype=np.float64):
    return rng.standard_normal((2, 9, 8, c)).astype(dtype), rng.standard_normal((3, 2, c // groups, nc)).astype(dtype)


def test_hand_written_depthwise_and_grouped():
    x = np.zeros((1, 2, 2, 4))
    x[0, :, :, 0], x[0, :, :, 1], x[0, :, :, 2], x[0, :, :, 3] = 1, 2, 3, 4
    ones = np.ones((2, 2, 1, 8))  # depthwise, two outputs per channel: 4 * the channel's value
    assert_allclose(convolve(x, ones, "valid", groups=4)[0, 0, 0], [4, 4, 8, 8, 12, 12, 16, 16])
    pairs = np.ones((1, 1, 2, 2))  # two groups of two channels: channel sums 1 + 2 and 3 + 4
    assert_allclose(convolve(x, pairs, "valid", groups=2)[0, 0, 0], [3, 7])
    assert_allclose(convolve(x, np.ones((1, 1, 4, 1)), "valid")[0, 0, 0], [10])  # groups=1: all four


# depthwise input gradient taps one by one, or one einsum; dense kernels, or per-group products from 1 channel
@pytest.mark.parametrize(("spread_by_einsum", "from_channels"), [(0, 64), (100, 1)])
def test_forward_and_backward_match_torch(spread_by_einsum, from_channels, monkeypatch):
    from convpool._backends.numpy import grouped, grouped_gemm

    torch = pytest.importorskip("torch")
    monkeypatch.setattr(grouped, "SPREAD_BY_EINSUM", spread_by_einsum)
    monkeypatch.setattr(grouped_gemm, "FROM_CHANNELS", from_channels)
    fn = torch.nn.functional
    rng = np.random.default_rng(21)
    for (c, nc, groups), (pad, stride, dilation) in itertools.product(GROUPINGS, GEOMETRIES):
        x, k = _data(rng, c, nc, groups)
        xt = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
        kt = torch.tensor(k.transpose(3, 2, 0, 1), requires_grad=True)
        want = fn.conv2d(xt, kt, stride=stride, padding=pad, dilation=dilation, groups=groups)
        got = convolve(x, k, pad, stride, dilation=dilation, groups=groups)
        case = str((c, nc, groups, pad, stride, dilation))
        assert_allclose(got, want.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-10, err_msg=case)
        g = rng.standard_normal(got.shape)
        want.backward(torch.tensor(g.transpose(0, 3, 1, 2)))
        gx, gk = convolve_backward(g, x, k, pad, stride, dilation=dilation, groups=groups)
        assert_allclose(gx, xt.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-10, err_msg=case)
        assert_allclose(gk, kt.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-10, atol=1e-10, err_msg=case)


@pytest.mark.parametrize("pad_mode", ["constant", "reflect", "wrap"])
def test_every_pad_mode_and_method_match_the_naive_loop(pad_mode):
    rng = np.random.default_rng(22)
    for c, nc, groups in GROUPINGS:
        x, k = _data(rng, c, nc, groups, np.float32)
        options = dict(dilation=(1, 2), pad_mode=pad_mode, pad_value=0.5 if pad_mode == "constant" else 0)
        want = conv_ref(x, k, "same", 2, groups=groups, **options)
        for method in ("auto", "direct", "gemm", "fft"):
            got = convolve(x, k, "same", 2, groups=groups, method=method, **options)
            assert got.dtype == np.float32
            assert_allclose(got, want, rtol=1e-4, atol=1e-4, err_msg=str((c, nc, groups, method)))


@pytest.mark.parametrize("pad_mode", ["constant", "symmetric"])
def test_backward_is_the_adjoint_of_the_forward(pad_mode):
    """<convolve(x, k), g> == <x, grad_images> == <k, grad_kernels> (zero pad value: both linear)."""
    rng = np.random.default_rng(23)
    for c, nc, groups in GROUPINGS:
        x, k = _data(rng, c, nc, groups)
        options = dict(padding=((2, 0), (1, 3)), stride=(2, 1), dilation=2, pad_mode=pad_mode, groups=groups)
        y = convolve(x, k, **options)
        g = rng.standard_normal(y.shape)
        gx, gk = convolve_backward(g, x, k, **options)
        assert gx.shape == x.shape and gk.shape == k.shape
        assert_allclose(np.vdot(x, gx), np.vdot(y, g), rtol=1e-10)
        assert_allclose(np.vdot(k, gk), np.vdot(y, g), rtol=1e-10)


def test_inputs_are_not_modified_and_threads_do_not_change_the_result():
    rng = np.random.default_rng(24)
    x, k = _data(rng, 3, 6, 3)
    x0, k0 = x.copy(), k.copy()
    one = convolve(x, k, groups=3, threads=1)
    np.testing.assert_array_equal(convolve(x, k, groups=3, threads=3), one)
    convolve_backward(one, x, k, groups=3)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(k, k0)


IMG = np.zeros((1, 5, 5, 6))


@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (lambda: convolve(IMG, np.ones((3, 3, 3, 4)), groups=0), ValueError, r"groups must be >= 1, got 0"),
        (lambda: convolve(IMG, np.ones((3, 3, 3, 4)), groups=2.0), TypeError, r"groups must be an int, got 2.0"),
        (lambda: convolve(IMG, np.ones((3, 3, 3, 4)), groups=True), TypeError, r"groups must be an int"),
        (
            lambda: convolve(IMG, np.ones((3, 3, 1, 4)), groups=4),
            ValueError,
            r"groups=4 must divide the images' 6 channels \(shape \(1, 5, 5, 6\)\) and the kernels' 4 outputs",
        ),
        (lambda: convolve(IMG, np.ones((3, 3, 2, 4)), groups=3), ValueError, r"kernels' 4 outputs \(shape"),
        (
            lambda: convolve(IMG, np.ones((3, 3, 3, 6)), groups=3),
            ValueError,
            r"with groups=3 kernels must have c // groups = 2 channels, shape \(kh, kw, 2, nc\), got shape \(3, 3, 3,",
        ),
        (lambda: convolve(IMG, np.ones((3, 3, 3, 4))), ValueError, r"kernels has 3 channels"),
        (
            lambda: convolve_backward(np.ones((1, 5, 5, 4)), IMG, np.ones((3, 3, 2, 4)), groups=2),
            ValueError,
            r"with groups=2 kernels must have c // groups = 3 channels",
        ),
    ],
)
def test_groups_are_checked(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_dask_images_take_groups():
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(25)
    for c, nc, groups in GROUPINGS[:3]:
        x, k = _data(rng, c, nc, groups)
        lazy = da.from_array(x, chunks=(1, (4, 5), (3, 5), c))
        got = convolve(lazy, k, "same", (2, 1), groups=groups)
        assert_allclose(got.compute(), conv_ref(x, k, "same", (2, 1), groups=groups), atol=1e-12)
        g = rng.standard_normal(got.shape)
        gx, gk = convolve_backward(g, lazy, k, "same", (2, 1), groups=groups)
        want = convolve_backward(g, x, k, "same", (2, 1), groups=groups)
        assert_allclose(gx.compute(), want[0], atol=1e-12)
        assert_allclose(gk.compute(), want[1], atol=1e-12)


def test_array_api_arrays_take_groups_on_every_path():
    """On the CPU the engine runs on zero-copy views; the core and native paths run group by group."""
    torch = pytest.importorskip("torch")
    from convpool._backends import xp as _xp

    rng = np.random.default_rng(26)
    for c, nc, groups in ((4, 4, 4), (4, 8, 2), (6, 6, 3)):  # depthwise, two groups with 4 outputs, three groups
        x, k = _data(rng, c, nc, groups, np.float64)
        g = rng.standard_normal(conv_ref(x, k, groups=groups).shape)
        want = conv_ref(x, k, groups=groups)
        want_gx, want_gk = convolve_backward(g, x, k, groups=groups)  # the engine, checked against torch below
        for path in ("host", "core", "native"):
            with _xp.forced(path):
                got = convolve(torch.tensor(x), torch.tensor(k), groups=groups)
                gx, gk = convolve_backward(torch.tensor(g), torch.tensor(x), torch.tensor(k), groups=groups)
            assert isinstance(got, torch.Tensor) and isinstance(gx, torch.Tensor)
            assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-10, err_msg=path)
            assert_allclose(gx.numpy(), want_gx, rtol=1e-10, atol=1e-10, err_msg=path)
            assert_allclose(gk.numpy(), want_gk, rtol=1e-10, atol=1e-10, err_msg=path)
    t, w = (
        torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True),
        torch.tensor(k.transpose(3, 2, 0, 1), requires_grad=True),
    )
    torch.nn.functional.conv2d(t, w, padding="same", groups=groups).backward(torch.tensor(g.transpose(0, 3, 1, 2)))
    assert_allclose(want_gx, t.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-10)
    assert_allclose(want_gk, w.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-10, atol=1e-10)


def test_depthwise_backward_in_many_batch_blocks(monkeypatch):
    """Blocks of one or two images on several threads give the one-block gradients (kernel sums add up)."""
    from convpool._backends.numpy import grouped

    rng = np.random.default_rng(27)
    x, k = rng.standard_normal((7, 6, 5, 3)), rng.standard_normal((3, 3, 1, 6))
    g = rng.standard_normal((7, 6, 5, 6))
    whole = convolve_backward(g, x, k, "same", groups=3)
    monkeypatch.setattr(grouped, "BLOCK_BYTES", 1)
    assert len(list(grouped.batch_blocks(7, 100, grouped.BLOCK_BYTES))) == 7
    for got, want in zip(convolve_backward(g, x, k, "same", groups=3), whole, strict=True):
        assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert_allclose(np.vdot(k, whole[1]), np.vdot(convolve(x, k, "same", groups=3), g), rtol=1e-10)


@pytest.mark.parametrize("pad_mode", ["constant", "edge"])
@pytest.mark.parametrize(("pad", "stride", "dilation"), GEOMETRIES)
def test_per_group_gemm_equals_the_dense_block_diagonal_path(pad_mode, pad, stride, dilation, monkeypatch):
    """Per-group GEMMs (forced here for few channels) and the dense kernels (big images; forced) agree."""
    from convpool._backends.numpy import grouped_gemm

    rng = np.random.default_rng(33)
    x, k = _data(rng, 6, 9, 3)
    options = {"dilation": dilation, "groups": 3, "pad_mode": pad_mode}
    monkeypatch.setattr(grouped_gemm, "FROM_CHANNELS", 1)  # per-group products for these 6 channels
    grouped = convolve(x, k, pad, stride, **options)
    g = rng.standard_normal(grouped.shape)
    grads = convolve_backward(g, x, k, pad, stride, **options)
    assert_allclose(grouped, convolve(x, k, pad, stride, method="direct", **options), rtol=1e-10, atol=1e-10)
    monkeypatch.setattr(grouped_gemm, "TILE_FROM_BYTES", 0)  # no image fits a block: the dense path
    assert_allclose(convolve(x, k, pad, stride, **options), grouped, rtol=1e-10, atol=1e-10)
    for dense, ours in zip(convolve_backward(g, x, k, pad, stride, **options), grads, strict=True):
        assert_allclose(dense, ours, rtol=1e-10, atol=1e-10)
