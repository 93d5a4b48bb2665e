"""Bad input: a clear ValueError/TypeError naming the argument, raised before any work."""

import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import convpool
from convpool import (
    convolve,
    convolve_channels,
    convolve_grayscale,
    convolve_grayscale_padding,
    convolve_grayscale_valid,
    pool,
)

IMG = np.zeros((2, 6, 6, 3))
KER = np.ones((3, 3, 3, 2))
GRAY = np.zeros((2, 6, 6))


@pytest.fixture(autouse=True)
def engine_must_not_run(monkeypatch, request):
    """Every case here must fail in validation, before the engine is reached."""
    if request.node.get_closest_marker("engine_allowed"):
        return

    def forbidden(*args, **kwargs):
        raise AssertionError("the engine ran on invalid input")

    # the NumPy backend's six operations: the public functions reach the work only through them
    backend = sys.modules["convpool._backends.numpy"]
    for op in ("correlate", "pool", "correlate_backward", "pool_backward", "transpose", "transpose_backward"):
        monkeypatch.setattr(backend, op, forbidden)


CONV_CASES = [
    # (call, error, pattern the message must contain)
    (
        lambda: convolve(np.zeros((6, 6, 3)), KER),
        ValueError,
        r"images must be a 4-D array of shape \(m, h, w, c\), got 3-D",
    ),
    (lambda: convolve(IMG, np.ones((3, 3, 3))), ValueError, r"kernels must be a 4-D array of shape \(kh, kw, c, nc\)"),
    (lambda: convolve_grayscale(IMG, np.ones((3, 3))), ValueError, r"images must be a 3-D array of shape \(m, h, w\)"),
    (lambda: convolve_grayscale(GRAY, np.ones((3, 3, 1))), ValueError, r"kernel must be a 2-D array"),
    (lambda: convolve_channels(IMG, np.ones((3, 3))), ValueError, r"kernel must be a 3-D array of shape \(kh, kw, c\)"),
    (lambda: convolve(IMG, np.ones((3, 3, 4, 2))), ValueError, r"kernels has 4 channels .* images have 3 channels"),
    (lambda: convolve_channels(IMG, np.ones((3, 3, 1))), ValueError, r"kernel has 1 channels .* images have 3"),
    (lambda: convolve(IMG, np.ones((7, 3, 3, 1)), "valid"), ValueError, r"kernel height 7 spans 7 cells, more than"),
    (lambda: convolve(IMG, KER, "valid", dilation=3), ValueError, r"dilated by 3\) spans 7 cells"),
    (lambda: convolve(IMG, KER, stride=0), ValueError, r"stride must be >= 1, got 0"),
    (lambda: convolve(IMG, KER, stride=(1, -2)), ValueError, r"stride must be >= 1, got \(1, -2\)"),
    (lambda: convolve(IMG, KER, stride=1.5), TypeError, r"stride must be an int or a pair of ints, got 1.5"),
    (
        lambda: convolve(IMG, KER, stride=(1, 2, 3)),
        ValueError,
        r"stride must be an int or a pair \(height, width\), got 3",
    ),
    (lambda: convolve(IMG, KER, stride="2"), TypeError, r"stride must be an int"),
    (lambda: convolve(IMG, KER, stride=True), TypeError, r"stride must be an int"),
    (lambda: convolve(IMG, KER, dilation=0), ValueError, r"dilation must be >= 1"),
    (lambda: convolve(IMG, KER, dilation=(1.0, 2)), TypeError, r"dilation must be an int"),
    (lambda: convolve(IMG, KER, dilation=[1]), ValueError, r"dilation must be an int or a pair"),
    (lambda: convolve(IMG, KER, "sam"), ValueError, r"padding must be one of 'valid', 'same', 'full', .*got 'sam'"),
    (lambda: convolve(IMG, KER, (-1, 0)), ValueError, r"padding must not be negative, got \(-1, 0\)"),
    (lambda: convolve(IMG, KER, ((0, 1), (2, -3))), ValueError, r"padding must not be negative"),
    (lambda: convolve(IMG, KER, (1, 2, 3)), ValueError, r"padding must be .*got 3 values"),
    (
        lambda: convolve(IMG, KER, ((1, 2, 3), (1, 1))),
        ValueError,
        r"padding must be .*\(\(top, bottom\), \(left, right\)\)",
    ),
    (lambda: convolve(IMG, KER, (1.5, 1)), TypeError, r"padding must be .*counts are ints"),
    (lambda: convolve(IMG, KER, None), TypeError, r"padding must be .*got None"),
    (lambda: convolve(IMG, np.ones((0, 3, 3, 2))), ValueError, r"kernels must not be empty .*got shape \(0, 3, 3, 2\)"),
    (lambda: convolve_grayscale(GRAY, np.ones((3, 0))), ValueError, r"kernel must not be empty .*got shape \(3, 0\)"),
    (lambda: convolve_channels(IMG, np.ones((0, 3, 3))), ValueError, r"kernel must not be empty"),
    (lambda: convolve_grayscale(np.zeros((2, 5, 0)), np.ones((1, 1))), ValueError, r"images must not be empty"),
    (lambda: convolve(np.zeros((2, 0, 5, 3)), KER), ValueError, r"images must not be empty"),
    (lambda: convolve(np.array([[[["a"]]]]), KER), TypeError, r"images must hold real numbers .*got dtype <U1"),
    (lambda: convolve(np.zeros((1, 3, 3, 3), dtype=object), KER), TypeError, r"images must hold real numbers .*object"),
    (lambda: convolve(None, KER), TypeError, r"images must be a numeric array of shape \(m, h, w, c\), got None"),
    (lambda: convolve(IMG, None), TypeError, r"kernels must be a numeric array"),
    (lambda: convolve(IMG.astype(complex), KER), TypeError, r"images must hold real numbers .*complex"),
    (
        lambda: convolve_grayscale_valid([[[1, 2], [3]]], [[1]]),
        ValueError,
        r"images must be a rectangular numeric array",
    ),
    (lambda: convolve_grayscale_valid("abc", [[1]]), TypeError, r"images must hold real numbers"),
    (
        lambda: convolve(IMG, KER, pad_mode="mirror"),
        ValueError,
        r"pad_mode must be one of 'constant', 'edge', 'reflect'",
    ),
    (
        lambda: convolve(IMG, KER, pad_mode="edge", pad_value=1),
        ValueError,
        r"pad_value applies only to pad_mode='constant'",
    ),
    (lambda: convolve(IMG, KER, pad_value="0"), TypeError, r"pad_value must be a real number"),
    (lambda: convolve_grayscale_padding(GRAY, np.ones((3, 3)), "2"), ValueError, r"padding must be one of"),
]


@pytest.mark.parametrize(("call", "error", "pattern"), CONV_CASES)
def test_convolution_errors(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


POOL_CASES = [
    (lambda: pool(GRAY, 2, 2), ValueError, r"images must be a 4-D array of shape \(m, h, w, c\)"),
    (
        lambda: pool(IMG, 2, 2, mode="mean"),
        ValueError,
        r"mode must be one of 'max', 'avg', 'min', 'sum', 'lp', got 'mean'",
    ),
    (lambda: pool(IMG, 2, 2, mode=None), ValueError, r"mode must be one of"),
    (lambda: pool(IMG, 0, 2), ValueError, r"kernel_shape must be >= 1, got 0"),
    (lambda: pool(IMG, (2, 0), 2), ValueError, r"kernel_shape must be >= 1"),
    (lambda: pool(IMG, 2, (0, 1)), ValueError, r"stride must be >= 1"),
    (lambda: pool(IMG, (2, 2, 2), 2), ValueError, r"kernel_shape must be an int or a pair"),
    (lambda: pool(IMG, 7, 1), ValueError, r"kernel_shape height 7 spans 7 cells, more than the padded image"),
    (lambda: pool(IMG, 2, 2, padding="bad"), ValueError, r"padding must be one of"),
    (lambda: pool(IMG, 2, 2, padding=(3, 0)), ValueError, r"window would cover only padding"),
    (lambda: pool(IMG, 2, 2, count_include_pad="yes"), TypeError, r"count_include_pad must be True or False"),
    (lambda: pool(IMG.astype(str), 2, 2), TypeError, r"images must hold real numbers"),
]


@pytest.mark.parametrize(("call", "error", "pattern"), POOL_CASES)
def test_pool_errors(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


_junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 9),
    st.floats(allow_nan=True),
    st.text(max_size=4),
    st.lists(st.integers(-2, 5), max_size=4),
    st.tuples(st.integers(-2, 5), st.integers(-2, 5)),
    st.tuples(st.tuples(st.integers(-2, 3), st.integers(-2, 3)), st.integers(-1, 3)),
)


@pytest.mark.engine_allowed
@given(padding=_junk, stride=_junk, dilation=_junk, pad_mode=_junk)
def test_any_argument_junk_fails_cleanly(padding, stride, dilation, pad_mode):
    """Whatever is passed, the result is an array or a ValueError/TypeError, never a crash inside NumPy."""
    try:
        convolve(IMG, KER, padding, stride, dilation=dilation, pad_mode=pad_mode)
    except (ValueError, TypeError):
        pass


@pytest.mark.engine_allowed
@given(kernel_shape=_junk, stride=_junk, padding=_junk, mode=_junk)
def test_any_pool_junk_fails_cleanly(kernel_shape, stride, padding, mode):
    try:
        pool(IMG, kernel_shape, stride, mode, padding=padding)
    except (ValueError, TypeError):
        pass


def test_public_names():
    expected = {
        "convolve",
        "convolve_channels",
        "convolve_grayscale",
        "convolve_grayscale_padding",
        "convolve_grayscale_same",
        "convolve_grayscale_valid",
        "pool",
        "conv_output_shape",
        "conv_padding",
    }
    assert expected <= set(convpool.__all__)


@pytest.mark.engine_allowed
def test_zero_dimensional_arrays_are_scalars():
    np.testing.assert_array_equal(convolve(IMG, KER, stride=np.array(2)), convolve(IMG, KER, stride=2))
    np.testing.assert_array_equal(pool(IMG, np.array(2), np.int64(2)), pool(IMG, 2, 2))


def test_pad_value_too_big_for_a_float():
    with pytest.raises(ValueError, match=r"pad_value must fit in a float64"):
        convolve(IMG, KER, pad_value=10**400)


def test_pool_checks_threads_before_the_window_rule():
    """Two errors at once: pool reports ``threads`` first, as before the checks were shared."""
    with pytest.raises(ValueError, match=r"threads must be None or a positive int, got 0"):
        pool(IMG, 2, 2, padding=5, threads=0)
    with pytest.raises(ValueError, match=r"some window would cover only padding"):
        convpool.pool_backward(np.zeros((2, 7, 7, 3)), IMG, 2, 2, padding=5)


def test_convolve_checks_method_after_the_shared_checks():
    with pytest.raises(ValueError, match=r"stride must be >= 1"):
        convolve(IMG, KER, stride=0, method="nope")
    with pytest.raises(ValueError, match=r"method must be one of"):
        convolve(IMG, KER, method="nope", threads=0)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: convpool.convolve(np.ones((1, 4, 4, 1)), np.ones((3, 3, 1, 1)), "same", 1, 1), r"convolve\(\) takes"),
        (lambda: convpool.convolve(np.ones((1, 4, 4, 1))), r"convolve\(\) missing 1 required .* 'kernels'"),
        (lambda: convpool.pool(np.ones((1, 4, 4, 1)), 2, 2, bogus=1), r"pool\(\) got an unexpected keyword .* 'bogus'"),
        (lambda: convpool.convolve_backward(np.ones((1, 4, 4, 1))), r"convolve_backward\(\) missing 2 required"),
    ],
)
def test_wrong_calls_of_dispatched_functions_name_the_function(call, match):
    # the dispatch wrapper binds the arguments first: its failure must not replace Python's own message
    with pytest.raises(TypeError, match=match):
        call()
