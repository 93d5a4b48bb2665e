"""convolve_transpose and its backward pass (issue 12).

Oracles: PyTorch's conv_transpose2d and autograd (float64), the scatter loop
``conv_transpose_ref`` written from the definition, the adjoint identity with
:func:`convolve`, finite differences, hand-written arrays, and the messages.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from _reference import conv_ref, conv_transpose_ref, ref_pads
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from convpool import (
    conv_output_shape,
    conv_transpose_output_shape,
    convolve,
    convolve_backward,
    convolve_transpose,
    convolve_transpose_backward,
)

pytestmark = pytest.mark.usefixtures("both_paths")

# c, nc, groups: plain, wider groups, depthwise, depthwise with a channel multiplier
GROUPINGS = [(2, 3, 1), (4, 6, 2), (3, 3, 3), (2, 6, 2)]
# padding, stride, dilation, output_padding (torch's: < max(stride, dilation))
GEOMETRIES = [
    (0, 1, 1, 0),
    (1, 2, 1, 1),
    ((2, 0), (3, 2), (1, 2), (2, 1)),
    (1, 1, 3, 2),  # output_padding >= stride: the adjoint of the convolution's first oh outputs
    (2, (2, 1), 2, (1, 0)),
]


def _torch_layout(x):
    return x.transpose(0, 3, 1, 2)


def _ours(t):
    return t.detach().numpy().transpose(0, 2, 3, 1)


def test_hand_written_upsampling_and_overlap():
    y = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
    # a 2x2 kernel of ones at stride 2: each cell becomes a 2x2 block (nearest-neighbour upsampling)
    want = np.array([[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4.0]])
    assert_array_equal(convolve_transpose(y, np.ones((2, 2, 1, 1)), "valid", 2)[0, :, :, 0], want)
    # 3x3 ones at stride 1, 'valid': overlapping windows add up (4x4 out)
    want = np.array([[1, 3, 3, 2], [4, 10, 10, 6], [4, 10, 10, 6], [3, 7, 7, 4.0]])
    assert_array_equal(convolve_transpose(y, np.ones((3, 3, 1, 1)), "valid")[0, :, :, 0], want)
    # two channels out of one: kernels (1, 1, 2, 1) with weights 1 and 10
    k = np.array([1.0, 10.0]).reshape(1, 1, 2, 1)
    assert_array_equal(convolve_transpose(y, k, "valid")[0, 0, 1], [2, 20])


@pytest.mark.parametrize(("c", "nc", "groups"), GROUPINGS)
def test_forward_and_backward_match_torch(c, nc, groups):
    torch = pytest.importorskip("torch")
    fn = torch.nn.functional
    rng = np.random.default_rng(31)
    for pad, stride, dilation, extra in GEOMETRIES:
        y = rng.standard_normal((2, 4, 5, nc))
        k = rng.standard_normal((3, 2, c // groups, nc))
        yt = torch.tensor(_torch_layout(y), requires_grad=True)
        kt = torch.tensor(k.transpose(3, 2, 0, 1), requires_grad=True)
        torch_pad = pad if isinstance(pad, int) else pad  # symmetric per axis in torch
        want = fn.conv_transpose2d(
            yt, kt, stride=stride, padding=torch_pad, output_padding=extra, groups=groups, dilation=dilation
        )
        options = dict(dilation=dilation, output_padding=extra, groups=groups)
        got = convolve_transpose(y, k, pad, stride, **options)
        case = str((c, nc, groups, pad, stride, dilation, extra))
        assert_allclose(got, _ours(want), rtol=1e-10, atol=1e-10, err_msg=case)
        g = rng.standard_normal(got.shape)
        want.backward(torch.tensor(_torch_layout(g)))
        gy, gk = convolve_transpose_backward(g, y, k, pad, stride, **options)
        assert_allclose(gy, yt.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-10, err_msg=case)
        assert_allclose(gk, kt.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-10, atol=1e-10, err_msg=case)


def test_float32_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(32)
    y = rng.standard_normal((3, 7, 6, 8)).astype(np.float32)
    k = rng.standard_normal((3, 3, 4, 8)).astype(np.float32)
    want = torch.nn.functional.conv_transpose2d(
        torch.tensor(_torch_layout(y)), torch.tensor(k.transpose(3, 2, 0, 1)), stride=2, padding=1, output_padding=1
    )
    got = convolve_transpose(y, k, 1, 2, output_padding=1)
    assert got.dtype == np.float32
    assert_allclose(got, _ours(want), rtol=1e-4, atol=1e-4)


def _reference_size(pad, stride, dilation, kernel, out, size):
    """Per-axis (top, left) of the forward convolution of ``size`` cells, from _reference's definitions."""
    tops = []
    for a in (0, 1):
        if isinstance(pad, str):
            tops.append(ref_pads(pad, size[a], kernel[a], stride[a], dilation[a])[0])
        else:
            tops.append(pad[a][0])
    return tuple(tops)


@pytest.mark.parametrize("padding", ["valid", "same", "full", ((2, 1), (0, 3))])
@pytest.mark.parametrize(("stride", "dilation"), [((1, 1), (1, 1)), ((2, 3), (1, 1)), ((2, 1), (1, 3))])
def test_every_padding_and_size_match_the_scatter_loop(padding, stride, dilation):
    rng = np.random.default_rng(33)
    y = rng.standard_normal((2, 3, 4, 4))
    k = rng.standard_normal((3, 2, 2, 4))
    for groups in (1, 2):
        kg = k[:, :, : 2 // groups]
        base = conv_transpose_output_shape((3, 4), (3, 2), stride, padding, dilation)
        for h, w in itertools.product(
            *(range(b - (padding == "same") * (s - 1), b + s) for b, s in zip(base, stride, strict=True))
        ):
            if padding == "same" and (-(-h // stride[0]), -(-w // stride[1])) != (3, 4):
                continue
            if min(h, w) < 1:
                continue
            got = convolve_transpose(y, kg, padding, stride, dilation=dilation, output_shape=(h, w), groups=groups)
            tops = _reference_size(padding, stride, dilation, (3, 2), (3, 4), (h, w))
            want = conv_transpose_ref(y, kg, tops, stride, dilation, (h, w), groups)
            assert_allclose(got, want, rtol=1e-10, atol=1e-10, err_msg=str((padding, stride, dilation, h, w, groups)))


@pytest.mark.parametrize("padding", ["valid", "same", "full", ((2, 1), (0, 3)), 1])
@pytest.mark.parametrize("groups", [1, 3])
def test_adjoint_of_convolve(padding, groups):
    """``<convolve(x, k), y> == <x, convolve_transpose(y, k)>`` for every image size mapping onto y."""
    rng = np.random.default_rng(34)
    k = rng.standard_normal((3, 3, 6 // groups, 6))
    for h, w, stride, dilation in [(9, 8, 2, 1), (10, 7, (3, 2), (1, 2)), (7, 7, 1, 2)]:
        x = rng.standard_normal((2, h, w, 6))
        forward = convolve(x, k, padding, stride, dilation=dilation, groups=groups)
        y = rng.standard_normal(forward.shape)
        back = convolve_transpose(y, k, padding, stride, dilation=dilation, output_shape=(h, w), groups=groups)
        assert back.shape == x.shape
        assert np.isclose(np.vdot(forward, y), np.vdot(x, back), rtol=1e-10)
        # and the transpose is convolve's input gradient
        assert_allclose(back, convolve_backward(y, x, k, padding, stride, dilation=dilation, groups=groups)[0])


def test_backward_by_finite_differences():
    rng = np.random.default_rng(35)
    y, k = rng.standard_normal((1, 3, 3, 2)), rng.standard_normal((2, 3, 3, 2))
    options = dict(padding=(1, 0), stride=(2, 1), output_padding=(1, 0))
    g = rng.standard_normal(convolve_transpose(y, k, **options).shape)
    gy, gk = convolve_transpose_backward(g, y, k, **options)
    eps = 1e-6
    for array, grad in ((y, gy), (k, gk)):
        for index in [(0,) * array.ndim, tuple(s - 1 for s in array.shape), tuple(s // 2 for s in array.shape)]:
            up, down = array.copy(), array.copy()
            up[index] += eps
            down[index] -= eps
            pair = (up, k) if array is y else (y, up), (down, k) if array is y else (y, down)
            numeric = (
                np.vdot(convolve_transpose(*pair[0], **options), g)
                - np.vdot(convolve_transpose(*pair[1], **options), g)
            ) / (2 * eps)
            assert np.isclose(grad[index], numeric, rtol=1e-6, atol=1e-8)


@given(
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 2),
    st.integers(0, 2),
    st.sampled_from([1, 2]),
    st.data(),
)
def test_hypothesis_against_the_scatter_loop(oh, ow, k, stride, dilation, pad, groups, data):
    rng = np.random.default_rng(oh * 1000 + ow * 100 + k * 10 + stride)
    y = rng.standard_normal((1, oh, ow, 2))
    kernels = rng.standard_normal((k, k, 2 // groups, 2))
    extra = data.draw(st.integers(0, max(stride, dilation) - 1))
    h = (oh - 1) * stride + (k - 1) * dilation + 1 - 2 * pad + extra
    if h < 1 or (ow - 1) * stride + (k - 1) * dilation + 1 - 2 * pad + extra < 1:
        with pytest.raises(ValueError, match="would be"):
            convolve_transpose(y, kernels, pad, stride, dilation=dilation, output_padding=extra, groups=groups)
        return
    got = convolve_transpose(y, kernels, pad, stride, dilation=dilation, output_padding=extra, groups=groups)
    want = conv_transpose_ref(y, kernels, (pad, pad), stride, dilation, got.shape[1:3], groups)
    assert got.shape[1] == h
    assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_shape_helper_inverts_conv_output_shape():
    for size, kernel, stride, dilation, padding in itertools.product(
        range(1, 12), (1, 2, 3), (1, 2, 3), (1, 2), ("valid", "same", "full", 1)
    ):
        try:
            out = conv_output_shape(size, kernel, stride, padding, dilation)[0]
        except ValueError:
            continue
        sizes = set()
        for extra in range(stride):
            try:
                sizes.add(conv_transpose_output_shape(out, kernel, stride, padding, dilation, output_padding=extra)[0])
            except ValueError:
                pass
        assert size in sizes, (size, kernel, stride, dilation, padding)
        for h in sizes:  # each of them maps back onto out
            assert conv_output_shape(h, kernel, stride, padding, dilation)[0] == out
    assert conv_transpose_output_shape(4, 3, 2) == (8, 8)  # 'same': oh * s (Keras)


def test_dtypes_and_inputs_untouched():
    y = np.arange(12, dtype=np.uint8).reshape(1, 2, 2, 3)
    k = np.ones((2, 2, 1, 3), dtype=np.int64)
    before_y, before_k = y.copy(), k.copy()
    out = convolve_transpose(y, k, "valid", 2, groups=3)
    assert out.dtype == np.float64
    assert_array_equal(out[0, :2, :2, 1], np.full((2, 2), 1.0))
    assert convolve_transpose(y.astype(np.float32), k, "valid").dtype == np.float32
    assert convolve_transpose(y, k, "valid", groups=3, dtype=np.float32).dtype == np.float32
    assert_array_equal(y, before_y)
    assert_array_equal(k, before_k)
    assert not np.shares_memory(convolve_transpose(y, np.ones((1, 1, 3, 3)), "valid"), y)


def test_unreached_cells_are_zero():
    y = np.ones((1, 1, 1, 1))
    # padding 3 with a 2-tap kernel: the only window lies in the padding, nothing reaches the result
    assert_array_equal(convolve_transpose(y, np.ones((2, 2, 1, 1)), 3, 9, output_shape=(2, 2)), np.zeros((1, 2, 2, 1)))
    gy, gk = convolve_transpose_backward(np.ones((1, 2, 2, 1)), y, np.ones((2, 2, 1, 1)), 3, 9, output_shape=(2, 2))
    assert_array_equal(gy, 0)
    assert_array_equal(gk, 0)
    # 'valid' at stride 3 with a 1-tap kernel: h = 4 leaves rows 1..3 unreached
    out = convolve_transpose(np.ones((1, 2, 1, 1)), np.ones((1, 1, 1, 1)), "valid", 3, output_shape=(5, 1))
    assert_array_equal(out[0, :, 0, 0], [1, 0, 0, 1, 0])


def test_empty_batch():
    out = convolve_transpose(np.zeros((0, 3, 3, 2)), np.ones((3, 3, 4, 2)), "valid", 2)
    assert out.shape == (0, 7, 7, 4)
    gy, gk = convolve_transpose_backward(
        np.zeros((0, 7, 7, 4)), np.zeros((0, 3, 3, 2)), np.ones((3, 3, 4, 2)), "valid", 2
    )
    assert gy.shape == (0, 3, 3, 2) and gk.shape == (3, 3, 4, 2) and not gk.any()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(images=np.ones((2, 3, 3))), ValueError, r"images must be a 4-D array of shape \(m, oh, ow, nc\)"),
        (dict(images=np.array([["a"]])), TypeError, "images must hold real numbers"),
        (dict(kernels=np.ones((3, 3, 2, 5))), ValueError, "kernels have 5 outputs .* but images have 4 channels"),
        (dict(groups=3), ValueError, "groups=3 must divide the kernels' 4 outputs"),
        (dict(groups=0), ValueError, "groups must be >= 1"),
        (dict(groups=1.5), TypeError, "groups must be an int"),
        (dict(stride=0), ValueError, "stride must be >= 1"),
        (dict(padding="half"), ValueError, "padding must be one of 'valid', 'same', 'full'"),
        (dict(padding=-1), ValueError, "padding must not be negative"),
        (dict(output_padding=2, stride=2), ValueError, r"output_padding height must be < max\(stride, dilation\) = 2"),
        (dict(output_padding=1, padding="same"), ValueError, "output_padding height must be < stride = 1"),
        (dict(output_padding=-1), ValueError, "output_padding must be >= 0"),
        (dict(output_shape=(5, 5), output_padding=0), ValueError, "give output_padding or output_shape, not both"),
        (
            dict(output_shape=(9, 5), stride=2, padding="valid"),
            ValueError,
            "output_shape height 9 is not one of .* 7 to 8",
        ),
        (dict(output_shape=(2.0, 5)), TypeError, "output_shape must be an int or a pair of ints"),
        (
            dict(padding=5, stride=1),
            ValueError,
            "transposed convolution output height would be -5: padding .* removes more than the 5 cells",
        ),
        (dict(dtype=np.int32), ValueError, "dtype must be float32 or float64"),
    ],
)
def test_validation_messages(kwargs, error, match):
    arguments = dict(images=np.ones((1, 3, 3, 4)), kernels=np.ones((3, 3, 2, 4)), padding="valid", stride=1)
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        convolve_transpose(**arguments)
    forward_shape = None
    try:
        forward_shape = convolve_transpose(
            np.ones((1, 3, 3, 4)), np.ones((3, 3, 2, 4)), arguments["padding"], arguments["stride"]
        ).shape
    except (ValueError, TypeError):
        pass
    if forward_shape is not None:  # the backward pass checks the same arguments the same way
        with pytest.raises(error, match=match):
            convolve_transpose_backward(np.ones(forward_shape), **arguments)


def test_backward_grad_output_shape():
    with pytest.raises(ValueError, match=r"grad_output must have the shape \(1, 5, 5, 2\) .* got shape \(1, 5, 4, 2\)"):
        convolve_transpose_backward(np.ones((1, 5, 4, 2)), np.ones((1, 3, 3, 4)), np.ones((3, 3, 2, 4)), "valid")


def test_conv_ref_agrees_with_scatter_loop_adjoint():
    """The two naive oracles are each other's adjoint (so neither can be wrong the same way as the engine)."""
    rng = np.random.default_rng(36)
    x, k = rng.standard_normal((1, 7, 6, 2)), rng.standard_normal((3, 2, 2, 3))
    forward = conv_ref(x, k, ((1, 2), (0, 1)), (2, 3), (1, 2))
    y = rng.standard_normal(forward.shape)
    back = conv_transpose_ref(y, k, (1, 0), (2, 3), (1, 2), (7, 6))
    assert np.isclose(np.vdot(forward, y), np.vdot(x, back))


def test_dask_arrays_give_the_eager_result():
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(37)
    y, k = rng.standard_normal((5, 4, 6, 3)), rng.standard_normal((2, 3, 1, 3))
    lazy = da.from_array(y, chunks=(2, 2, 3, 1))
    out = convolve_transpose(lazy, k, "same", (2, 3), groups=3)
    assert isinstance(out, da.Array) and out.shape == (5, 8, 18, 3) and out.chunks[0] == (2, 2, 1)
    assert_allclose(out.compute(), convolve_transpose(y, k, "same", (2, 3), groups=3), atol=1e-12)
    with pytest.raises(ValueError, match="output_padding height must be < stride = 2"):
        convolve_transpose(lazy, k, "same", 2, output_padding=3)


@pytest.mark.parametrize("library", ["torch", "array_api_strict"])
def test_arrays_of_other_libraries_on_the_host(library):
    module = pytest.importorskip(library)
    rng = np.random.default_rng(38)
    y, k = rng.standard_normal((2, 3, 3, 4)), rng.standard_normal((3, 3, 2, 4))
    want = convolve_transpose(y, k, 1, 2, output_padding=1)
    out = convolve_transpose(module.asarray(y), k, 1, 2, output_padding=1)
    assert type(out).__module__.split(".")[0] == library
    assert_allclose(np.asarray(out), want, atol=1e-12)
    g = rng.standard_normal(want.shape)
    gy, gk = convolve_transpose_backward(module.asarray(g), module.asarray(y), k, 1, 2, output_padding=1)
    want_gy, want_gk = convolve_transpose_backward(g, y, k, 1, 2, output_padding=1)
    assert_allclose(np.asarray(gy), want_gy, atol=1e-12)
    assert_allclose(np.asarray(gk), want_gk, atol=1e-12)


def test_off_the_host_is_refused_clearly():
    strict = pytest.importorskip("array_api_strict")
    y = strict.asarray(np.ones((1, 3, 3, 2)), device=strict.Device("device1"))
    with pytest.raises(ValueError, match="convolve_transpose is not supported for array_api_strict arrays on device"):
        convolve_transpose(y, np.ones((3, 3, 2, 2)), "valid")
