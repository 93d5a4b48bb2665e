"""Property-based tests: random shapes, paddings, strides, dilations and dtypes against the naive oracles."""

import numpy as np
from _reference import conv_ref, pool_ref
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from convpool import conv_output_shape, convolve, pool

DTYPES = [np.float64, np.float32, np.int32, np.uint8, np.bool_]
small = st.integers(1, 3)
pair = st.one_of(small, st.tuples(small, small))
padding = st.one_of(
    st.sampled_from(["valid", "same", "full"]),
    st.integers(0, 2),
    st.tuples(st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.tuples(st.integers(0, 3), st.integers(0, 3)), st.tuples(st.integers(0, 3), st.integers(0, 3))),
)


def _array(draw, shape, dtype):
    """Random values; often only -1, 0 and 1, the weights the engine treats specially."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    if np.issubdtype(dtype, np.unsignedinteger):
        return rng.integers(0, 100, size=shape).astype(dtype)
    if draw(st.booleans()):
        return rng.integers(-1, 2, size=shape).astype(dtype)
    if np.issubdtype(dtype, np.integer):
        return rng.integers(-50, 50, size=shape).astype(dtype)
    return rng.normal(size=shape).astype(dtype)


@st.composite
def conv_case(draw):
    m, h, w = draw(st.integers(0, 3)), draw(st.integers(1, 9)), draw(st.integers(1, 9))
    c, nc = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    images = _array(draw, (m, h, w, c), draw(st.sampled_from(DTYPES)))
    kernels = _array(draw, (kh, kw, c, nc), draw(st.sampled_from(DTYPES)))
    mode = draw(st.sampled_from(["constant", "edge", "reflect", "symmetric", "wrap"]))
    return images, kernels, draw(padding), draw(pair), draw(pair), mode


def _expected_dtype(a, b):
    """DESIGN.md: float32 stays float32, float64 wins, integers and bools give float64."""
    if np.float64 in (a, b):
        return np.float64
    if np.float32 in (a, b):
        return np.float32
    return np.float64


@given(conv_case())
def test_convolve_equals_definition(case):
    images, kernels, pad, stride, dilation, mode = case
    try:
        expected_shape = conv_output_shape(images.shape[1:3], kernels.shape[:2], stride, pad, dilation)
    except ValueError:
        assume(False)
    out = convolve(images, kernels, pad, stride, dilation=dilation, pad_mode=mode)
    assert out.shape == (images.shape[0], *expected_shape, kernels.shape[3])
    assert out.dtype == _expected_dtype(images.dtype, kernels.dtype)
    expected = conv_ref(images, kernels, pad, stride, dilation, pad_mode=mode)
    tol = 1e-4 if out.dtype == np.float32 else 1e-10
    assert_allclose(out, expected, rtol=tol, atol=tol * (1 + np.abs(expected).max(initial=0)))


@st.composite
def pool_case(draw):
    m, h, w, c = draw(st.integers(0, 3)), draw(st.integers(1, 9)), draw(st.integers(1, 9)), draw(st.integers(1, 3))
    images = _array(draw, (m, h, w, c), draw(st.sampled_from(DTYPES[:4])))
    mode = draw(st.sampled_from(["max", "min", "avg", "sum"]))
    return images, draw(pair), draw(pair), mode, draw(padding), draw(st.booleans())


@given(pool_case())
def test_pool_equals_definition(case):
    images, window, stride, mode, pad, include = case
    try:
        out = pool(images, window, stride, mode, padding=pad, count_include_pad=include)
    except ValueError as exc:
        assume("only padding" not in str(exc) and "spans" not in str(exc))
        raise
    if mode in ("max", "min"):
        assert out.dtype == images.dtype
    expected = pool_ref(images, window, stride, mode, pad, include)
    tol = 1e-5 if out.dtype == np.float32 else 1e-12
    assert_allclose(out.astype(np.float64), expected, rtol=tol, atol=tol * 100)
