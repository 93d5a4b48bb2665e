"""Spatial tiles: tiled results equal untiled ones, sizes nothing can hold, non-finite kernels.

Tiles are forced on small arrays by replacing the tile plan (``plan``) with
fixed bands, so every tile shape can be reached fast: uneven bands, bands
smaller than the kernel's halo, bands wholly inside the padding.
"""

from __future__ import annotations

import itertools
import tracemalloc
import warnings

import numpy as np
import pytest
from _reference import conv_ref, pool_ref

from convpool import convolve, convolve_backward, pool, pool_backward
from convpool._backends.numpy import choose, pooling, tiles
from convpool._plan import checks as _validate
from convpool._plan._shapes import band, bands, geometry_2d

pytestmark = pytest.mark.usefixtures("engine_only")

PAD_MODES = [("constant", 0), ("constant", 2.5), ("edge", 0), ("reflect", 0), ("symmetric", 0), ("wrap", 0)]
PADDINGS = ["same", "valid", "full", ((3, 0), (1, 4)), ((9, 1), (0, 7))]


def fixed_plan(rows: int, cols: int):
    """A tile plan of ``rows`` x ``cols`` outputs per tile, whatever the image size."""

    def plan(geometry, cost, budget, threshold=None):
        return [(r, c) for r in bands(geometry[0], rows) for c in bands(geometry[1], cols)]

    return plan


def tiled_convolve(monkeypatch, rows, cols, *args, **kwargs):
    with monkeypatch.context() as patch:
        patch.setattr(choose, "plan", fixed_plan(rows, cols))
        return convolve(*args, **kwargs)


def tiled_pool(monkeypatch, rows, cols, *args, **kwargs):
    with monkeypatch.context() as patch:
        patch.setattr(tiles, "plan", fixed_plan(rows, cols))
        patch.setattr(pooling, "POOL_BLOCK_BYTES", 1)  # every image takes the tile path
        return pool(*args, **kwargs)


def kernels_for(shape, c, nc, rng):
    """Random kernels, or a rank-1 one with zero and +-1 taps (the split and pair fast paths)."""
    if shape == "sobel":
        return np.repeat(np.outer([1.0, 2.0, 1.0], [1.0, 0.0, -1.0])[:, :, None, None], c, axis=2)[..., :1]
    return rng.normal(size=shape + (c, nc))


# --------------------------------------------------------------------------- convolution


@pytest.mark.parametrize("pad_mode,pad_value", PAD_MODES)
@pytest.mark.parametrize("stride,dilation", [(1, 1), (2, 1), ((1, 3), (2, 1))])
@pytest.mark.parametrize("kernel,c,nc", [("sobel", 1, 1), ((4, 2), 1, 1), ((3, 3), 2, 2), ((1, 5), 1, 2)])
def test_direct_tiles_equal_untiled_bit_for_bit(pad_mode, pad_value, stride, dilation, kernel, c, nc, rng, monkeypatch):
    # the tap loop in all its forms (flat stride-1 planes, rank-1 split, strided taps,
    # virtual and materialised padding) must round exactly as on the whole image
    x = rng.normal(size=(2, 13, 11, c))
    k = kernels_for(kernel, c, nc, rng)
    for padding in PADDINGS:
        options = dict(dilation=dilation, pad_mode=pad_mode, pad_value=pad_value, method="direct")
        whole = convolve(x, k, padding, stride, **options)
        for rows, cols in [(2, 100), (1, 3), (4, 2)]:
            got = tiled_convolve(monkeypatch, rows, cols, x, k, padding, stride, **options)
            np.testing.assert_array_equal(got, whole, err_msg=f"{padding} tiles {rows}x{cols}")


@pytest.mark.parametrize("method", ["gemm", "fft"])
@pytest.mark.parametrize("pad_mode,pad_value", PAD_MODES)
@pytest.mark.parametrize("stride,dilation", [(1, 1), (2, (1, 2))])
def test_gemm_and_fft_tiles_match_reference(method, pad_mode, pad_value, stride, dilation, rng, monkeypatch):
    # BLAS and the FFT round by the size of their operands, so tiles agree to rounding only
    x = rng.normal(size=(2, 13, 11, 2))
    for kernel in [(3, 3), (4, 2)]:
        k = rng.normal(size=kernel + (2, 3))
        for padding in PADDINGS:
            expected = conv_ref(x, k, padding, stride, dilation, pad_mode, pad_value)
            options = dict(dilation=dilation, pad_mode=pad_mode, pad_value=pad_value, method=method)
            got = tiled_convolve(monkeypatch, 4, 6, x, k, padding, stride, **options)
            np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10, err_msg=f"{kernel} {padding}")


def test_tiles_smaller_than_halo_and_wholly_in_padding(rng, monkeypatch):
    # 1-row tiles under a 7-row dilated kernel, and tiles that read no image row at all
    x = rng.normal(size=(1, 6, 5, 1))
    k = rng.normal(size=(4, 3, 1, 1))
    padding = ((12, 9), (8, 1))
    gh = geometry_2d(padding, (6, 5), (4, 3), (1, 1), (2, 1))[0]
    assert any(band(gh, lo, lo + 1)[1].size == 0 for lo in range(gh.out))  # the case is reached
    for pad_mode, value in PAD_MODES:
        for method in ["direct", "gemm", "fft"]:
            options = dict(dilation=(2, 1), pad_mode=pad_mode, pad_value=value, method=method)
            got = tiled_convolve(monkeypatch, 1, 2, x, k, padding, 1, **options)
            expected = conv_ref(x, k, padding, 1, (2, 1), pad_mode, value)
            np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10, err_msg=f"{pad_mode} {method}")


@pytest.mark.parametrize("method", ["direct", "fft"])
def test_tiles_do_not_depend_on_threads(method, rng, monkeypatch):
    x = rng.normal(size=(3, 40, 30, 1))
    k = rng.normal(size=(5, 5, 1, 1))
    one = tiled_convolve(monkeypatch, 4, 8, x, k, "same", 1, method=method, threads=1)
    for threads in (2, 3):
        many = tiled_convolve(monkeypatch, 4, 8, x, k, "same", 1, method=method, threads=threads)
        np.testing.assert_array_equal(many, one)


def test_real_plan_covers_outputs_once_within_budget(monkeypatch):
    # the planner's own tiles: every output exactly once, cost within budget
    monkeypatch.setattr(tiles, "TILE_FROM_BYTES", 0)
    geometry = geometry_2d("same", (1000, 3000), (15, 15), (1, 1), (1, 1))

    def cost(g):
        return 4 * g[0].padded * g[1].padded

    plan = tiles.plan(geometry, cost, 256 * 1024)
    covered = np.zeros((1000, 3000), int)
    for (r0, r1), (c0, c1) in plan:
        covered[r0:r1, c0:c1] += 1
        assert cost(geometry_2d(((0, 0), (0, 0)), (r1 - r0 + 14, c1 - c0 + 14), (15, 15), (1, 1), (1, 1))) <= 256 * 1024
    assert (covered == 1).all()
    assert len(plan) > 1 and any(c1 - c0 < 3000 for _, (c0, c1) in plan)  # columns were split too
    assert tiles.plan(geometry, cost, 256 * 1024, threshold=10**12) is None  # small images stay whole


@pytest.mark.parametrize("dilation, stride", [(100, 1), (300, 1), (40, 3)])
def test_tiles_never_span_less_than_their_halo(dilation, stride):
    # A dilated kernel's halo dwarfs any tile the budget allows: the planner keeps tiles at least as long
    # as the halo, so their count stays bounded (it used to grow with the dilation squared: 3600 tiles,
    # 3.4 s, at dilation 100 on 2000 x 2000; over a minute at 300).
    geometry = geometry_2d("same", (2000, 2000), (3, 3), (stride, stride), (dilation, dilation))

    def cost(g):
        return 5 * 8 * g[0].padded * g[1].padded

    plan = tiles.plan(geometry, cost, 1 << 20)
    covered = np.zeros((geometry[0].out, geometry[1].out), int)
    for (r0, r1), (c0, c1) in plan:
        covered[r0:r1, c0:c1] += 1
        for (lo, hi), g in (((r0, r1), geometry[0]), ((c0, c1), geometry[1])):
            assert hi == g.out or (hi - lo) * stride >= 2 * dilation + 1 - stride  # at least the halo
    assert (covered == 1).all()
    assert 1 < len(plan) <= (2000 // (2 * dilation) + 1) ** 2


def test_dilated_kernels_on_a_big_image_match_the_definition(rng, monkeypatch):
    # the planner's own tiles (a small budget forces them), checked against the loop reference
    monkeypatch.setattr(tiles, "TILE_FROM_BYTES", 0)
    monkeypatch.setattr(
        choose,
        "_WORKING",
        {m: (lambda k, g, c, d: (8 * g[0].padded * g[1].padded, 4096)) for m in ("direct", "gemm", "fft")},
    )
    x = rng.normal(size=(2, 70, 90, 1))
    k = rng.normal(size=(3, 3, 1, 2))
    for method in ("direct", "gemm"):
        got = convolve(x, k, "same", dilation=(11, 17), method=method, pad_mode="reflect")
        expected = conv_ref(x, k, "same", 1, (11, 17), "reflect", 0)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10, err_msg=method)


def test_big_image_takes_tiles_and_matches_untiled(rng, monkeypatch):
    # the real planner on a shrunk budget, through the public function
    x = rng.normal(size=(1, 90, 70, 1)).astype(np.float32)
    k = rng.normal(size=(5, 5, 1, 1)).astype(np.float32)
    whole = convolve(x, k, "same", method="direct")
    calls = []
    real = choose.plan
    monkeypatch.setattr(tiles, "TILE_FROM_BYTES", 0)
    monkeypatch.setattr("convpool._backends.numpy.direct.FLAT_BLOCK_BYTES", 16 * 1024)
    monkeypatch.setattr(choose, "plan", lambda *a, **kw: calls.append(real(*a, **kw)) or calls[-1])
    np.testing.assert_array_equal(convolve(x, k, "same", method="direct"), whole)
    assert calls and len(calls[0]) > 4


# --------------------------------------------------------------------------- pooling


@pytest.mark.parametrize("mode", ["max", "min", "avg", "sum"])
@pytest.mark.parametrize("count_include_pad", [False, True])
@pytest.mark.parametrize("window,stride", [((3, 3), 2), ((2, 4), (3, 1)), ((2, 2), 1), ((5, 5), 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
def test_pool_tiles_equal_untiled_and_reference(mode, count_include_pad, window, stride, dtype, rng, monkeypatch):
    x = (rng.normal(size=(2, 13, 11, 2)) * 50).astype(dtype)
    for padding in ["valid", "same", ((1, 0), (0, 1))]:
        options = dict(padding=padding, count_include_pad=count_include_pad)
        whole = pool(x, window, stride, mode, **options)
        for rows, cols in [(2, 100), (1, 3), (4, 2)]:
            got = tiled_pool(monkeypatch, rows, cols, x, window, stride, mode, **options)
            np.testing.assert_array_equal(got, whole, err_msg=f"{padding} tiles {rows}x{cols}")
        expected = pool_ref(x, window, stride, mode, padding, count_include_pad)
        np.testing.assert_allclose(whole, expected, rtol=1e-5, atol=1e-4)


def test_pool_tiles_do_not_depend_on_threads(rng, monkeypatch):
    x = rng.normal(size=(2, 40, 31, 3))
    one = tiled_pool(monkeypatch, 4, 6, x, 3, 2, "avg", padding="same", threads=1)
    np.testing.assert_array_equal(tiled_pool(monkeypatch, 4, 6, x, 3, 2, "avg", padding="same", threads=3), one)


# --------------------------------------------------------------------------- sizes nothing can hold


@pytest.mark.parametrize(
    "options,match",
    [
        ({"padding": 10**6}, r"padding=1000000, .* output of shape \(1, 2000026, 2000026, 1\) float64: 29\.1 TiB"),
        ({"padding": 10**9}, r"padding=1000000000, .* EiB"),
        ({"dilation": 10**9}, r"dilation=1000000000 .* window of shape \(2000000001, 2000000001, 1\)"),
        ({"dilation": 10**9, "padding": "full"}, r"padding='full'.*dilation=1000000000"),
    ],
)
def test_sizes_nothing_can_hold_are_value_errors_before_any_work(options, match):
    x = np.ones((1, 28, 28, 1))
    k = np.ones((3, 3, 1, 1))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=match):
            convolve(x, k, **options)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024  # raised before anything image-sized was allocated
    with pytest.raises(ValueError, match=match):  # the backward pass checks the same arguments
        convolve_backward(np.ones((1, 28, 28, 1)), x, k, **options)


def test_size_limit_is_the_machine_memory(monkeypatch):
    # just under and just over the limit, with a limit small enough to test
    monkeypatch.setattr(_validate, "memory_limit", lambda: 8 * 10 * 10)
    x = np.ones((1, 10, 10, 1))
    assert convolve(x, np.ones((1, 1, 1, 1)), "valid").shape == (1, 10, 10, 1)
    with pytest.raises(ValueError, match=r"output of shape \(1, 12, 12, 1\) float64: 1\.1 KiB, more than .* 800 bytes"):
        convolve(x, np.ones((1, 1, 1, 1)), 1)
    with pytest.raises(ValueError, match=r"padding=1, stride=2 .* output of shape \(1, 6, 6, 1\)"):
        monkeypatch.setattr(_validate, "memory_limit", lambda: 8 * 30)
        pool(x, 2, 2, "max", padding=1)
    with pytest.raises(ValueError, match=r"padding=1, stride=2 .* output"):
        pool_backward(np.ones((1, 6, 6, 1)), x, 2, 2, "max", padding=1)


# --------------------------------------------------------------------------- non-finite kernels


def reference_quietly(*args, **kwargs):
    with np.errstate(all="ignore"):  # the oracle's own 0 * inf
        return conv_ref(*args, **kwargs)


@pytest.mark.parametrize("method", ["auto", "direct", "gemm", "fft"])
@pytest.mark.parametrize("stride", [1, 2])
def test_non_finite_kernels_give_the_definition_without_warnings(method, stride, rng, monkeypatch):
    # sum(x * k) with 0 * inf = NaN at zero-padded taps, for every fast path a finite kernel takes
    x = rng.normal(size=(2, 7, 6, 1))
    x[0, 2, 3] = 0
    inf = np.full((3, 3, 1, 1), np.inf)
    rank1 = np.outer([1.0, np.inf, 1.0], [1.0, 2.0, 1.0])[:, :, None, None]
    one_nan = rng.normal(size=(3, 3, 1, 2))
    one_nan[1, 2, 0, 1] = np.nan
    mixed = np.ones((5, 5, 1, 1))
    mixed[0, 0] = -np.inf
    for k, padding in itertools.product([inf, rank1, one_nan, mixed], ["same", "full", ((0, 2), (1, 0))]):
        expected = reference_quietly(x, k, padding, stride)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = convolve(x, k, padding, stride, method=method)
            tiled = tiled_convolve(monkeypatch, 2, 3, x, k, padding, stride, method=method)
        # NaN and inf exactly where the definition has them (assert_allclose compares their places)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12, err_msg=f"{k.ravel()[:3]} {padding}")
        np.testing.assert_allclose(tiled, expected, rtol=1e-12, atol=1e-12)


def test_engine_does_not_warn_on_non_finite_images(rng):
    # inf - inf in an average or a difference kernel is NaN in the result, not a warning
    x = rng.normal(size=(1, 6, 6, 1))
    x[0, 1, 1], x[0, 1, 2] = np.inf, -np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        conv = convolve(x, np.ones((2, 2, 1, 1)), "valid", method="direct")
        avg = pool(x, 2, 1, "avg")
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(conv, conv_ref(x, np.ones((2, 2, 1, 1)), "valid"), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(avg, pool_ref(x, 2, 1, "avg"), rtol=1e-12, atol=1e-12)
    assert np.isnan(conv).any() and np.isnan(avg).any()  # the inf - inf case is reached


def test_an_empty_batch_is_not_tiled(monkeypatch):
    # an empty batch of huge padded images: nothing to compute, so no tile plan (millions of empty tiles)
    def no_plan(*args, **kwargs):
        raise AssertionError("an empty batch was tiled")

    monkeypatch.setattr(tiles, "plan", no_plan)
    monkeypatch.setattr(choose, "plan", no_plan)
    assert convolve(np.zeros((0, 6, 6, 1)), np.ones((3, 3, 1, 1)), padding=10**6).shape == (0, 2000004, 2000004, 1)
    assert pool(np.zeros((0, 9000, 9000, 2)), 3, 2).shape == (0, 4499, 4499, 2)
    with pytest.raises(ValueError, match=r"padding=1000000000, .* more than NumPy can address"):
        convolve(np.zeros((0, 6, 6, 1)), np.ones((3, 3, 1, 1)), padding=10**9)


# --------------------------------------------------------------------------- backward passes


def kernel_grad_ref(g, x, kernel_hw, padding, stride, dilation, pad_mode, pad_value):
    """``sum_{n, i, j} xp[n, i*sh + a*dh, j*sw + b*dw, k] * g[n, i, j, o]``, by the definition."""
    (sh, sw), (dh, dw) = stride, dilation
    extra = {"constant_values": pad_value} if pad_mode == "constant" else {}
    xp = np.pad(x, ((0, 0), padding[0], padding[1], (0, 0)), mode=pad_mode, **extra)
    oh, ow = g.shape[1:3]
    out = np.zeros(kernel_hw + (x.shape[3], g.shape[3]))
    for a, b in itertools.product(range(kernel_hw[0]), range(kernel_hw[1])):
        view = xp[:, a * dh : a * dh + (oh - 1) * sh + 1 : sh, b * dw : b * dw + (ow - 1) * sw + 1 : sw]
        out[a, b] = np.einsum("nijk,nijo->ko", view, g)
    return out


@pytest.mark.parametrize("pad_mode,pad_value", PAD_MODES)
@pytest.mark.parametrize(
    "stride,dilation,c,nc", [((1, 1), (1, 1), 1, 1), ((2, 1), (1, 2), 2, 3), ((1, 1), (2, 1), 3, 2)]
)
def test_kernel_gradient_tiles_match_definition(pad_mode, pad_value, stride, dilation, c, nc, rng, monkeypatch):
    x = rng.normal(size=(2, 11, 9, c))
    k = rng.normal(size=(3, 2, c, nc))
    padding = ((4, 1), (0, 3))
    g = rng.normal(size=convolve(x, k, padding, stride, dilation=dilation).shape)
    options = dict(dilation=dilation, pad_mode=pad_mode, pad_value=pad_value)
    whole = convolve_backward(g, x, k, padding, stride, **options)
    with monkeypatch.context() as patch:
        patch.setattr(tiles, "plan", fixed_plan(2, 3))
        grad_images, grad_kernels = convolve_backward(g, x, k, padding, stride, **options)
    expected = kernel_grad_ref(g, x, (3, 2), padding, stride, dilation, pad_mode, pad_value)
    np.testing.assert_allclose(grad_kernels, expected, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(grad_kernels, whole[1], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(grad_images, whole[0], rtol=1e-10, atol=1e-10)
