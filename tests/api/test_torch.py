"""PyTorch as an independent oracle (float64, 1e-9 relative), skipped where torch is absent."""

import itertools

import numpy as np
import pytest
from _reference import ref_pads
from numpy.testing import assert_allclose

from convpool import convolve, pool

torch = pytest.importorskip("torch")
F = torch.nn.functional
# torch notes that it copies the input for even kernels with padding="same"; that is its business
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")


def _torch_conv(x, k, padding, stride, dilation):
    """NHWC/HWIO through torch's NCHW/OIHW conv2d, with explicit per-side zero padding."""
    xt = torch.from_numpy(x).permute(0, 3, 1, 2)
    kt = torch.from_numpy(k).permute(3, 2, 0, 1)
    if padding == "same" and stride == (1, 1):
        out = F.conv2d(xt, kt, padding="same", dilation=dilation)  # torch resolves 'same' itself
    else:
        if isinstance(padding, str):
            (t, b), (left, r) = (ref_pads(padding, x.shape[1 + a], k.shape[a], stride[a], dilation[a]) for a in (0, 1))
        else:
            (t, b), (left, r) = padding
        out = F.conv2d(F.pad(xt, (left, r, t, b)), kt, stride=stride, dilation=dilation)
    return out.permute(0, 2, 3, 1).numpy()


PADDINGS = ["valid", "same", "full", ((1, 1), (2, 2)), ((0, 3), (2, 1))]
STRIDES = [(1, 1), (2, 2), (1, 3)]
DILATIONS = [(1, 1), (2, 1), (3, 2)]
CHANNELS = [(1, 1), (3, 3), (4, 8)]


@pytest.mark.parametrize(
    ("padding", "stride", "dilation", "channels"),
    list(itertools.product(PADDINGS, STRIDES, DILATIONS, CHANNELS)),
    ids=str,
)
def test_convolve_matches_torch(rng, padding, stride, dilation, channels):
    c, nc = channels
    x = rng.normal(size=(3, 11, 12, c))
    k = rng.normal(size=(3, 2, c, nc))
    out = convolve(x, k, padding, stride, dilation=dilation)
    assert_allclose(out, _torch_conv(x, k, padding, stride, dilation), rtol=1e-9, atol=1e-12)


def test_same_with_even_kernel_matches_torch(rng):
    # torch's 'same' (stride 1) also puts the odd padding cell at the bottom/right
    x = rng.normal(size=(2, 9, 8, 2))
    k = rng.normal(size=(4, 2, 2, 3))
    out = convolve(x, k, "same")
    assert_allclose(out, _torch_conv(x, k, "same", (1, 1), (1, 1)), rtol=1e-9, atol=1e-12)


def _nchw(x):
    return torch.from_numpy(np.ascontiguousarray(x)).permute(0, 3, 1, 2)


@pytest.mark.parametrize(("window", "stride", "pad"), [(2, 2, 0), (3, 2, 1), (3, 1, 1), ((3, 2), (2, 1), (1, 0))])
def test_pool_matches_torch(rng, window, stride, pad):
    x = rng.normal(size=(2, 9, 10, 3))
    pads = (pad, pad) if isinstance(pad, int) else pad
    ours = pool(x, window, stride, "max", padding=pads)
    theirs = F.max_pool2d(_nchw(x), window, stride, padding=pad).permute(0, 2, 3, 1).numpy()
    assert_allclose(ours, theirs, rtol=1e-12)
    for include in (False, True):
        ours = pool(x, window, stride, "avg", padding=pads, count_include_pad=include)
        theirs = F.avg_pool2d(_nchw(x), window, stride, padding=pad, count_include_pad=include)
        assert_allclose(ours, theirs.permute(0, 2, 3, 1).numpy(), rtol=1e-9)


def test_spec_layer_float32_matches_torch(rng):
    x = rng.normal(size=(4, 16, 16, 16)).astype(np.float32)
    k = rng.normal(size=(3, 3, 16, 32)).astype(np.float32)
    out = convolve(x, k, "same")
    assert out.dtype == np.float32
    assert_allclose(out, _torch_conv(x, k, "same", (1, 1), (1, 1)), rtol=1e-4, atol=1e-4)
