"""``dtype=``: the floating type the work is done in and returned, on every array function.

Checked against the naive reference loops (``_reference``) and, for the
backward passes, against the adjoint identities with the reference forward
pass and a naive loop for max pooling's winners.
"""

import tracemalloc

import numpy as np
import pytest
from _reference import conv_ref, pool_ref
from numpy.testing import assert_allclose, assert_array_equal

import convpool

DTYPES = [np.float32, np.float64]
INPUTS = [np.uint8, np.int16, np.float32, np.float64]


def close(result, expected, dtype):
    """Equal up to the rounding of ``dtype``, relative to the size of the values."""
    scale = max(float(np.abs(expected).max()), 1.0)
    tol = 2e-6 if dtype == np.float32 else 1e-12
    assert result.dtype == dtype
    assert_allclose(result, expected, rtol=0, atol=tol * scale * 10)


@pytest.fixture
def rng():
    return np.random.default_rng(9)


def images_of(rng, shape, kind):
    if np.dtype(kind).kind == "f":
        return rng.normal(0, 50, size=shape).astype(kind)
    info = np.iinfo(kind)
    return rng.integers(max(info.min, -300), min(info.max, 300), size=shape, endpoint=True).astype(kind)


@pytest.mark.parametrize("kind", INPUTS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_convolve_family_against_reference(rng, kind, dtype):
    x = images_of(rng, (3, 9, 11, 3), kind)
    k = rng.normal(size=(3, 2, 3, 4))
    options = {"padding": "same", "stride": (2, 1), "dilation": (1, 2)}
    close(convpool.convolve(x, k, dtype=dtype, **options), conv_ref(x, k, **options), dtype)
    close(
        convpool.convolve_channels(x, k[..., 0], "valid", 1, dtype=dtype, pad_mode="edge"),
        conv_ref(x, k[..., :1], padding="valid", pad_mode="edge")[..., 0],
        dtype,
    )
    close(
        convpool.convolve_grayscale(x[..., 0], k[:, :, 0, 0], (1, 2), dtype=dtype),
        conv_ref(x[..., :1], k[:, :, :1, :1], padding=(1, 2))[..., 0],
        dtype,
    )


@pytest.mark.parametrize("kind", INPUTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["max", "min", "avg", "sum"])
def test_pool_against_reference(rng, kind, dtype, mode):
    x = images_of(rng, (2, 7, 8, 3), kind)
    result = convpool.pool(x, (3, 2), (2, 2), mode, padding="same", dtype=dtype)
    # max and min: the winner's value, converted; avg and sum: computed in dtype
    close(result, pool_ref(x.astype(np.float64), (3, 2), (2, 2), mode, padding="same"), dtype)


def test_none_keeps_todays_rules(rng):
    u8 = images_of(rng, (1, 5, 5, 1), np.uint8)
    k = np.ones((3, 3, 1, 1), np.float32)
    assert convpool.convolve(u8, k.astype(np.int64)).dtype == np.float64
    assert convpool.convolve(u8, k).dtype == np.float32
    assert convpool.pool(u8, 2, 2, "max").dtype == np.uint8
    assert convpool.pool(u8, 2, 2, "avg").dtype == np.float64
    assert convpool.convolve(u8.astype(np.float32), k, dtype=np.float64).dtype == np.float64


@pytest.mark.parametrize("dtype", DTYPES)
def test_convolve_backward_adjoint_identities(rng, dtype):
    x = images_of(rng, (2, 8, 7, 3), np.uint8)
    k = rng.normal(size=(3, 3, 3, 2))
    options = {"padding": "same", "stride": 2, "dilation": 1}
    g = rng.normal(size=conv_ref(x, k, **options).shape)
    gx, gk = convpool.convolve_backward(g, x, k, dtype=dtype, **options)
    assert gx.dtype == gk.dtype == dtype
    forward = float(np.sum(conv_ref(x, k, **options) * g))
    # <convolve(x, k), g> == <x, grad_images> == <k, grad_kernels> (zero padding: linear in each)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    assert np.sum(x * gx.astype(np.float64)) == pytest.approx(forward, rel=tol)
    assert np.sum(k * gk.astype(np.float64)) == pytest.approx(forward, rel=tol)


def _max_pool_grad_loop(x, g, size, stride):
    """Each window's gradient to its first largest cell (row-major), as in PyTorch."""
    out = np.zeros(x.shape)
    for n, i, j, c in np.ndindex(*g.shape):
        window = x[n, i * stride : i * stride + size, j * stride : j * stride + size, c]
        a, b = np.unravel_index(np.argmax(window), window.shape)
        out[n, i * stride + a, j * stride + b, c] += g[n, i, j, c]
    return out


@pytest.mark.parametrize("dtype", DTYPES)
def test_pool_backward_against_loops(rng, dtype):
    x = images_of(rng, (2, 7, 7, 2), np.int16)
    g = rng.normal(size=(2, 3, 3, 2))
    gx = convpool.pool_backward(g, x, 3, 2, "max", dtype=dtype)
    close(gx, _max_pool_grad_loop(x, g, 3, 2), dtype)
    ga = convpool.pool_backward(g, x, 3, 2, "avg", dtype=dtype)
    forward = float(np.sum(pool_ref(x.astype(float), 3, 2, "avg") * g))
    assert ga.dtype == dtype
    assert np.sum(x * ga.astype(np.float64)) == pytest.approx(forward, rel=1e-5)


@pytest.mark.parametrize("bad", [np.int32, "float16", np.complex64, bool])
def test_other_dtypes_are_value_errors_naming_dtype(bad):
    x, k = np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1))
    calls = [
        lambda: convpool.convolve(x, k, dtype=bad),
        lambda: convpool.convolve_channels(x, k[..., 0], dtype=bad),
        lambda: convpool.convolve_grayscale(x[..., 0], k[:, :, 0, 0], dtype=bad),
        lambda: convpool.pool(x, 2, 2, "max", dtype=bad),
        lambda: convpool.convolve_backward(np.ones((1, 4, 4, 1)), x, k, dtype=bad),
        lambda: convpool.pool_backward(np.ones((1, 2, 2, 1)), x, 2, 2, dtype=bad),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"dtype must be float32 or float64 .* got"):
            call()


def test_a_non_dtype_is_a_type_error():
    with pytest.raises(TypeError, match="dtype must be numpy.float32, numpy.float64 or None, got 'pixels'"):
        convpool.convolve(np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)), dtype="pixels")


def test_integer_images_are_converted_block_by_block(rng):
    """No whole-batch float copy: the peak stays far below output + a float32 copy of the input."""
    # 2400 images: a float32 copy (66 MiB) is several times the engine's blocks (8 MiB per thread)
    x = rng.integers(0, 256, size=(2400, 48, 48, 3), dtype=np.uint8)
    k = rng.normal(size=(3, 3, 3)).astype(np.float32)
    copy32 = x.size * 4
    # method="direct": the blocked engine at any batch size (a single image would take the small-work
    # path, whose rounding differs), so the last line can compare exactly
    convpool.convolve_channels(x[:2], k, dtype=np.float32, method="direct")  # warm the engine's scratch buffers
    tracemalloc.start()
    try:
        out = convpool.convolve_channels(x, k, dtype=np.float32, method="direct")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.dtype == np.float32
    assert peak < out.nbytes + copy32 / 2, (peak / 2**20, out.nbytes / 2**20, copy32 / 2**20)
    assert_array_equal(out[:1], convpool.convolve_channels(x[:1], k, dtype=np.float32, method="direct"))
