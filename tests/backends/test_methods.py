"""Every engine method against the naive oracles, the ``auto`` cost model, threads and memory bounds."""

from __future__ import annotations

import itertools
import tracemalloc

import numpy as np
import pytest
from _reference import conv_ref, pool_ref

from convpool import convolve, convolve_grayscale, pool
from convpool._backends.numpy import THREADS_ENV, choose_method, default_threads, estimate_costs
from convpool._backends.numpy.direct import rank1
from convpool._backends.numpy.fft import next_fast_len
from convpool._backends.numpy.taps import tap_span
from convpool._plan._shapes import AxisGeometry, geometry_2d

METHODS = ("direct", "gemm", "fft")
PADDINGS = ("valid", "same", "full", (1, 2), ((0, 3), (2, 1)))
rng = np.random.default_rng(1234)


def _tolerance(dtype):
    return {"rtol": 1e-4, "atol": 1e-4} if np.dtype(dtype) == np.float32 else {"rtol": 1e-9, "atol": 1e-9}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("stride,dilation", [(1, 1), ((2, 3), 1), (1, (2, 1)), (2, 2)])
@pytest.mark.parametrize("kernel", [(3, 3), (2, 4), (1, 3)])
def test_methods_match_reference_grayscale(method, padding, stride, dilation, kernel):
    x = rng.normal(size=(3, 9, 10, 1))
    k = rng.normal(size=kernel + (1, 1))
    expected = conv_ref(x, k, padding, stride, dilation)
    got = convolve(x, k, padding, stride, dilation=dilation, method=method)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("c,nc", [(1, 3), (2, 1), (3, 4)])
@pytest.mark.parametrize("padding,stride", [("valid", 1), ("same", 2), (((1, 0), (0, 2)), (1, 2))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16, np.uint8])
def test_methods_match_reference_channels_and_dtypes(method, c, nc, padding, stride, dtype):
    x = (rng.random((4, 8, 7, c)) * 50).astype(dtype)
    k = rng.integers(-3, 4, size=(3, 2, c, nc)).astype(np.float32 if dtype == np.float32 else np.float64)
    got = convolve(x, k, padding, stride, method=method)
    assert got.dtype == (np.float32 if dtype == np.float32 else np.float64)
    np.testing.assert_allclose(got, conv_ref(x, k, padding, stride), **_tolerance(got.dtype))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "pad_mode,pad_value", [("constant", 2.5), ("edge", 0), ("reflect", 0), ("symmetric", 0), ("wrap", 0)]
)
@pytest.mark.parametrize("stride", [1, 2])
def test_methods_match_reference_pad_modes(method, pad_mode, pad_value, stride):
    x = rng.normal(size=(2, 6, 7, 2))
    k = rng.normal(size=(3, 4, 2, 2))
    expected = conv_ref(x, k, "same", stride, 1, pad_mode, pad_value)
    got = convolve(x, k, "same", stride, pad_mode=pad_mode, pad_value=pad_value, method=method)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("padding", ["valid", "same", (2, 4)])
@pytest.mark.parametrize("stride", [1, 2])
def test_separable_and_sparse_kernels_match_reference(padding, stride):
    # The spec's kernel: rank 1 (ones x [1, 0, -1]) with zero and +-1 taps, the fast path's case.
    x = rng.random((5, 28, 28)) * 255
    k = np.array([[1, 0, -1]] * 3)
    expected = conv_ref(x[..., None], k[:, :, None, None], padding, stride)[..., 0]
    np.testing.assert_allclose(convolve_grayscale(x, k, padding, stride), expected, rtol=1e-12, atol=1e-9)
    g = np.exp(-0.5 * (np.arange(7) - 3) ** 2)
    gauss = np.outer(g, 2 * g)
    expected = conv_ref(x[..., None], gauss[:, :, None, None], padding, stride)[..., 0]
    np.testing.assert_allclose(convolve_grayscale(x, gauss, padding, stride), expected, rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rank1_factors_are_in_the_compute_dtype(dtype):
    # float64 factors would make every float32 pass compute in float64 (NumPy 2's promotion): 2x slower
    u, v = rank1(np.outer([1.0, 2.0, 1.0], [0.5, 0.0, -1.5]), np.dtype(dtype))
    assert u.dtype == v.dtype == dtype
    np.testing.assert_allclose(np.outer(u, v), np.outer([1.0, 2.0, 1.0], [0.5, 0.0, -1.5]), rtol=1e-6)


def test_rank1_detects_outer_products_only():
    u, v = rank1(np.outer([1.0, 2.0, -1.0], [3.0, 0.0, 1.0]), np.dtype(np.float64))
    np.testing.assert_allclose(np.outer(u, v), [[3, 0, 1], [6, 0, 2], [-3, 0, -1]])
    assert rank1(np.array([[1.0, 0.0], [0.0, 1.0]]), np.dtype(np.float64)) is None
    assert rank1(np.ones((1, 5)), np.dtype(np.float64)) is None  # already 1-D: nothing to split


@pytest.mark.parametrize("mode", ["max", "min", "avg", "sum"])
@pytest.mark.parametrize("padding", ["valid", "same", (1, 1)])
@pytest.mark.parametrize("window,stride", [(2, 2), (3, 1), ((2, 3), (2, 1)), (3, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.uint8, np.int32])
def test_pool_matches_reference(mode, padding, window, stride, dtype):
    x = (rng.random((3, 7, 8, 2)) * 100 - (0 if dtype == np.uint8 else 50)).astype(dtype)
    try:
        expected = pool_ref(x, window, stride, mode, padding)
    except ValueError:
        pytest.skip("a window covers only padding")
    got = pool(x, window, stride, mode, padding=padding)
    if mode in ("max", "min"):
        assert got.dtype == dtype
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_pool_count_include_pad_matches_reference():
    x = rng.random((2, 5, 6, 3))
    expected = pool_ref(x, 3, 2, "avg", "same", count_include_pad=True)
    np.testing.assert_allclose(pool(x, 3, 2, "avg", padding="same", count_include_pad=True), expected, rtol=1e-12)


# --- auto: the documented cost model ----------------------------------------------------------


def _geometry(shape, kernel, padding="same", stride=(1, 1)):
    return geometry_2d(padding, shape[1:3], kernel.shape[:2], stride, (1, 1))


@pytest.mark.parametrize(
    "shape,kernel_shape,expected",
    [
        ((50000, 28, 28, 1), "spec", "direct"),  # 3x3, rank 1, +-1 taps: 3 cheap passes
        ((16, 512, 512, 1), (15, 15, 1, 1), "fft"),  # 225 taps against one transform
        ((64, 32, 32, 64), (3, 3, 64, 128), "gemm"),  # c * nc = 8192: BLAS
        ((100, 32, 32, 3), (3, 3, 3, 1), "direct"),
    ],
)
def test_auto_choices(shape, kernel_shape, expected):
    k = np.array([[1, 0, -1]] * 3, float)[:, :, None, None] if kernel_shape == "spec" else rng.normal(size=kernel_shape)
    assert choose_method(shape, k, _geometry(shape, k), np.dtype(np.float32)) == expected


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_auto_takes_the_tap_loop_for_a_large_gaussian(dtype):
    # make bench's L2: a 15x15 Gaussian is rank 1, two 15-tap passes, measured 2x faster than the FFT
    r = np.arange(15) - 7
    g = np.exp(-0.5 * (r / 3.0) ** 2)
    k = np.outer(g, g)[:, :, None, None] / g.sum() ** 2
    shape = (16, 512, 512, 1)
    assert choose_method(shape, k, _geometry(shape, k), np.dtype(dtype)) == "direct"


def test_auto_cost_model_formulas():
    # direct: P * (passes * PASS_NS + nc * PIXEL_NS); the spec kernel splits into [1, 0, -1] (2 passes)
    # and [1, 1, 1] (3).
    from convpool._backends.numpy import choose

    shape, k = (10, 28, 28, 1), np.array([[1, 0, -1]] * 3, float)[:, :, None, None]
    costs = estimate_costs(shape, k, _geometry(shape, k, "valid"), np.dtype(np.float64))
    assert costs["direct"] == pytest.approx(10 * 26 * 26 * (5 * choose.PASS_NS + choose.PIXEL_NS))
    fh, fw = next_fast_len(28), next_fast_len(28)
    points = fh * fw
    fft = 10 * 2 * points * np.log2(points) * choose.FFT_NS + 10 * points * choose.CMAC_NS
    assert costs["fft"] == pytest.approx(fft)


def test_auto_equals_the_method_it_chooses():
    # 40 images: more than the small-work path takes (there 'auto' is one im2col product, see test_small.py)
    x = rng.normal(size=(40, 20, 20, 2))
    k = rng.normal(size=(9, 9, 2, 2))
    chosen = choose_method(x.shape, k, _geometry(x.shape, k), np.dtype(np.float64))
    np.testing.assert_array_equal(convolve(x, k, method="auto"), convolve(x, k, method=chosen))


def test_next_fast_len():
    assert [next_fast_len(n) for n in (1, 7, 11, 28, 97, 526)] == [1, 8, 12, 30, 100, 540]


def test_tap_span_clips_to_real_cells():
    # 'same' 3-tap window, 5 cells, stride 2: pads (1, 1), outputs 0..2 read cells 2i + a - 1.
    g = AxisGeometry(size=5, kernel=3, stride=2, dilation=1, before=1, after=1, out=3)
    assert tap_span(g, 0) == (slice(1, 3), slice(1, 4, 2))  # output 0 would read cell -1
    assert tap_span(g, 1) == (slice(0, 3), slice(0, 5, 2))
    assert tap_span(g, 2) == (slice(0, 2), slice(1, 4, 2))  # output 2 would read cell 5


# --- threads ------------------------------------------------------------------------------------


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of a few images and threads for every block, so small inputs exercise the thread pool."""
    from convpool._backends.numpy import direct, fft, gemm, pooling, threads

    for module, name in [
        (direct, "DIRECT_BLOCK_BYTES"),
        (direct, "FLAT_BLOCK_BYTES"),
        (gemm, "GEMM_BLOCK_BYTES"),
        (fft, "FFT_BLOCK_BYTES"),
        (pooling, "POOL_BLOCK_BYTES"),
    ]:
        monkeypatch.setattr(module, name, 16 * 1024)
    monkeypatch.setattr(threads, "BLOCKS_PER_THREAD", 1)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("stride", [1, 2])
def test_threads_do_not_change_results(method, stride, small_blocks):
    x = rng.normal(size=(300, 12, 12, 2))
    k = rng.normal(size=(3, 3, 2, 2))
    one = convolve(x, k, stride=stride, method=method, threads=1)
    np.testing.assert_array_equal(convolve(x, k, stride=stride, method=method, threads=3), one)
    np.testing.assert_allclose(one, conv_ref(x, k, "same", stride), rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(pool(x, 2, 2, "avg", threads=3), pool(x, 2, 2, "avg", threads=1))


def test_threads_environment_variable(monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "3")
    assert default_threads() == 3
    monkeypatch.setenv(THREADS_ENV, "zero")
    with pytest.raises(ValueError, match=THREADS_ENV):
        default_threads()


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"method": "winograd"}, ValueError, "method must be one of 'auto', 'direct', 'gemm', 'fft'"),
        ({"threads": 0}, ValueError, "threads must be None or a positive int, got 0"),
        ({"threads": 1.5}, TypeError, "threads must be None or a positive int"),
        ({"threads": True}, TypeError, "threads"),
    ],
)
def test_bad_method_and_threads(kwargs, error, match):
    with pytest.raises(error, match=match):
        convolve(np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)), **kwargs)


# --- memory and inputs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method,shape,kernel_shape",
    [
        ("direct", (4000, 28, 28, 1), (3, 3, 1, 1)),
        ("gemm", (256, 16, 16, 32), (3, 3, 32, 64)),
        ("fft", (64, 64, 64, 1), (15, 15, 1, 1)),
    ],
)
def test_memory_beyond_output_is_bounded(method, shape, kernel_shape):
    x = rng.random(shape).astype(np.float32)
    k = rng.random(kernel_shape).astype(np.float32)
    tracemalloc.start()
    try:
        out = convolve(x, k, method=method, threads=2)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - out.nbytes < 64 * 2**20
    # and far below a full-batch im2col matrix
    assert peak - out.nbytes < out.size // kernel_shape[3] * np.prod(kernel_shape[:3]) * 4 / 2


def test_pool_memory_is_bounded():
    x = rng.random((2000, 32, 32, 3)).astype(np.float32)
    tracemalloc.start()
    try:
        out = pool(x, 2, 2, "avg", threads=2)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - out.nbytes < 8 * 2**20


@pytest.mark.parametrize("method", METHODS)
def test_inputs_untouched(method):
    x = rng.normal(size=(3, 8, 8, 2))
    k = rng.normal(size=(3, 3, 2, 2))
    x0, k0 = x.copy(), k.copy()
    out = convolve(x, k, "same", method=method)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(k, k0)
    assert not np.shares_memory(out, x)


def test_every_method_on_a_grid_of_small_cases():
    # a wider sweep at tiny sizes: even kernels, odd padding totals, dilation with stride
    for (kh, kw), padding, stride, dilation in itertools.product(
        [(2, 2), (4, 3)], ["same", "full", ((2, 1), (0, 1))], [1, (1, 2)], [1, (2, 2)]
    ):
        x = rng.normal(size=(2, 9, 8, 2))
        k = rng.normal(size=(kh, kw, 2, 3))
        expected = conv_ref(x, k, padding, stride, dilation)
        for method in METHODS:
            got = convolve(x, k, padding, stride, dilation=dilation, method=method)
            np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9, err_msg=f"{method} {padding}")


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("padding", ["valid", "same", ((1, 1), (2, 2))])
def test_pool_large_images_cut_into_bands_match_reference(mode, padding, monkeypatch):
    # with 64 KiB blocks one image is too big, so it is processed in bands of a few output rows
    from convpool._backends.numpy import pooling

    monkeypatch.setattr(pooling, "POOL_BLOCK_BYTES", 64 * 1024)
    x = rng.normal(size=(2, 70, 60, 16)).astype(np.float32)
    units = pooling._work_units(2, geometry_2d(padding, (70, 60), (3, 3), (2, 2), (1, 1)), 4 * 16, 4 * 16)
    assert len(units) > 2 * 5  # several bands per image
    expected = pool_ref(x, 3, 2, mode, padding)
    np.testing.assert_allclose(pool(x, 3, 2, mode, padding=padding), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("method", ["direct", "gemm", "fft", "auto"])
@pytest.mark.parametrize("width", [1, 2, 4])
def test_unit_weights_on_narrow_strided_outputs(method, width):
    # -1/0/+1 taps take the engine's copy/negate/add paths; a one-column strided output
    # once hit a NumPy bug in np.negative(out=) on views with a length-1 axis
    rng = np.random.default_rng(7)
    x = rng.integers(0, 9, (2, 8, 3 * width + 1, 2)).astype(float)
    k = np.zeros((1, 3, 2, 2))
    k[0, 0, 1, :] = -1
    k[0, 2, 1, :] = 1
    k[0, 1, 0, 1] = -1
    out = convolve(x, k, "valid", stride=(1, 3), method=method)
    np.testing.assert_allclose(out, conv_ref(x, k, "valid", (1, 3)), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("shape", "kernel_shape", "spreading"),
    [((1, 40, 40, 1), (11, 11, 1, 1), "fft"), ((2, 16, 16, 16), (3, 3, 16, 32), "gemm")],  # gemm: stays local
)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_auto_keeps_non_finite_values_local(shape, kernel_shape, spreading, bad):
    # the FFT mixes every input of a block or tile into every output: 'auto' avoids it; gemm keeps NaN local
    rng = np.random.default_rng(3)
    x = rng.normal(size=shape)
    k = rng.normal(size=kernel_shape)
    gh_gw = geometry_2d("same", shape[1:3], kernel_shape[:2], (1, 1), (1, 1))
    assert choose_method(shape, k, gh_gw, np.dtype(np.float64)) == spreading
    x[0, 5, 5, 0] = bad
    out = convolve(x, k, "same")
    expected = conv_ref(x, k, "same")
    np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-9)  # NaN where the reference has NaN, only there
    assert np.isfinite(out).sum() == np.isfinite(expected).sum() > out.size // 2


@pytest.mark.parametrize(
    ("pad_mode", "pad_value", "padding"), [("constant", 2.5, (1, 2)), ("reflect", 0, (2, 1)), ("constant", 0, 0)]
)
def test_planar_is_the_padded_block_channel_first(pad_mode, pad_value, padding):
    # The engine's planes, read by the forward tap loop and the backward kernel gradient, against np.pad.
    from convpool._backends.numpy.direct import planar
    from convpool._plan._shapes import geometry_2d

    block = np.arange(2 * 4 * 5 * 3, dtype=np.int16).reshape(2, 4, 5, 3)  # cast to float32 by planar
    pads = ((padding[0],) * 2, (padding[1],) * 2) if padding else ((0, 0), (0, 0))
    geometry = geometry_2d(pads, (4, 5), (3, 3), (1, 1), (1, 1))
    widths = ((0, 0), pads[0], pads[1], (0, 0))
    options = {"constant_values": pad_value} if pad_mode == "constant" else {}
    # np.pad on the float block: on int16 it would truncate the fill 2.5
    expected = np.pad(block.astype(np.float32), widths, mode=pad_mode, **options).transpose(3, 0, 1, 2)
    got = planar(block, geometry, pad_mode, pad_value, np.dtype(np.float32))
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, expected)
    single = np.ascontiguousarray(block[..., :1], dtype=np.float32)
    if not padding:  # contiguous, one channel, no cast, no padding: a view, not a copy
        assert np.shares_memory(planar(single, geometry, "constant", 0, np.dtype(np.float32)), single)


@pytest.mark.parametrize("threads", [1, 2])
def test_all_finite_finds_one_bad_value_in_any_chunk(threads):
    from convpool._backends.numpy.choose import all_finite

    kernels = np.ones((3, 3, 1, 1))
    x = np.full((3000, 28, 28, 1), 1e308)  # 18 MiB: several chunks; every chunk's sum overflows to inf
    assert all_finite(x, kernels, threads)
    for bad in (np.inf, -np.inf, np.nan):
        for where in [(0, 0, 0, 0), (1500, 13, 7, 0), (2999, 27, 27, 0)]:
            y = x.copy()
            y[where] = bad
            assert not all_finite(y, kernels, threads), (bad, where)
            assert not all_finite(y[:, :, ::-1], kernels, threads)  # a strided view: image by image
            z = np.zeros_like(y, dtype=np.float32)
            z[where] = bad
            assert not all_finite(z, kernels, threads)
    assert all_finite(np.full((40, 28, 28, 1), 60000, np.float16), kernels, threads)  # float16's sum overflows
    assert not all_finite(np.full((4, 8, 8, 1), np.inf, np.float16), kernels, threads)
    assert all_finite(np.full((4, 8, 8, 1), 2**62, np.int64), kernels, threads)
    assert not all_finite(np.zeros((4, 8, 8, 1)), kernels * np.nan, threads)
