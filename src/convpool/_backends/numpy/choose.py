"""``method='auto'``: a cost model that picks direct, gemm or fft, and the dispatcher.

Each method's time is estimated in nanoseconds from the sizes alone, with
per-operation costs measured on a 2-core x86-64 machine (AVX-512, OpenBLAS);
``auto`` takes the cheapest. With ``P = m * oh * ow`` output pixels,
``K = kh * kw * c`` taps per output and ``F = fh * fw`` transform points:

``direct``
    ``P * (passes * PASS_NS + nc * PIXEL_NS)`` where ``passes`` counts, per output channel,
    one pass per non-zero tap of weight +-1 and two for other weights
    (``kh + kw`` taps when the kernel is rank-1 and single-channel). Scales
    with the kernel area and ``c * nc``: best for small kernels, few channels.
    ``PIXEL_NS`` is the per-output cost of laying out the block and copying
    the result out.
``gemm``
    ``P * K * (GATHER_NS + GATHER_ROW_NS / c)``, the im2col gather (rows of
    ``c`` contiguous values), plus ``2 * P * K * max(nc, BLAS_WIDTH) * FLOP_NS``
    BLAS flops (OpenBLAS takes as long for a product of fewer than ~24 columns
    as for 24), halved for float32. Best when ``c * nc`` is large.
``fft``
    ``m * (c + nc) * F * log2(F) * FFT_NS + m * F * c * nc * CMAC_NS``:
    forward and inverse transforms plus the spectral products, plus
    ``m * F * MIX_NS`` when ``c > 1`` (one small matrix product per frequency
    mixes the channels; its call overhead dominates for few channels).
    Independent of the kernel size: best for large kernels.

The constants are rough (a factor of two either way changes few choices);
``benchmarks/`` re-measures them and ``tests/backends/test_methods.py`` pins the choices.

``method='measure'`` runs every method once on the call's own arrays, returns
the fastest one's result and remembers that method per plan key (shapes,
geometry, padding, dtypes, threads) in this process: later calls of the same
key run it directly, whatever the kernels' values.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict

import numpy as np

from . import direct, fft, gemm
from .blocking import BLOCK_BYTES
from .direct import correlate_direct, rank1_all
from .fft import correlate_fft, fft_shape
from .gemm import correlate_gemm
from .threads import resolve_threads, run_blocks
from .tiles import plan, run_tiles

# Nanoseconds per unit, fitted to benchmarks/calibrate.py's table (threads=1, float64); the gemm
# constants refitted in 2026-12 after im2col became one strided copy (docs/performance.md).
PASS_NS = 0.25
PIXEL_NS = 1.0
GATHER_NS = 0.4
GATHER_ROW_NS = 2.6
FLOP_NS = 0.0128
BLAS_WIDTH = 24
FFT_NS = 0.45  # 0.3 until 2026-12-07: the FFT of 15x15 and 31x31 Gaussians took 1.6-4x its estimate
CMAC_NS = 1.0
MIX_NS = 150.0

_RUN = {"direct": correlate_direct, "gemm": correlate_gemm, "fft": correlate_fft}
#: ``method='measure'``: the fastest method of each plan key measured in this process, the latest last
_MEASURED: OrderedDict[tuple, str] = OrderedDict()
#: keys remembered at most (the oldest go first): a few bytes each, bounded for long-running processes
MEASURED_KEYS = 1024
_WORKING = {"direct": direct.working_bytes, "gemm": gemm.working_bytes, "fft": fft.working_bytes}


def direct_passes(kernels: np.ndarray, dtype) -> int:
    """Elementwise passes the tap loop makes per output pixel (see the module docstring)."""
    c = kernels.shape[2]
    if c == 1:
        factors = rank1_all(kernels[:, :, 0, :], np.dtype(dtype))
        parts = [np.concatenate(f) if f is not None else kernels[..., o].ravel() for o, f in enumerate(factors)]
        weights = np.concatenate(parts)
    else:
        weights = kernels.ravel()
    nonzero = weights[weights != 0]
    return max(int(np.sum(np.where(np.abs(nonzero) == 1, 1, 2))), 1)


def estimate_costs(images_shape, kernels: np.ndarray, geometry, dtype) -> dict[str, float]:
    """Estimated nanoseconds of each method for these sizes; see the module docstring."""
    m, _, _, c = images_shape
    kh, kw, _, nc = kernels.shape
    gh, gw = geometry
    pixels = m * gh.out * gw.out
    depth = kh * kw * c
    fh, fw = fft_shape(geometry)
    points = fh * fw
    narrow = np.dtype(dtype).itemsize / 8  # float32 moves and multiplies twice as many per ns
    direct = pixels * (direct_passes(kernels, dtype) * PASS_NS + nc * PIXEL_NS) * narrow
    flop = FLOP_NS * narrow * max(1.0, BLAS_WIDTH / nc)
    gemm = pixels * depth * (GATHER_NS + GATHER_ROW_NS / c) * narrow + 2 * pixels * depth * nc * flop
    fft = m * (c + nc) * points * math.log2(points) * FFT_NS + m * points * c * nc * CMAC_NS
    if c > 1:  # mixing channels costs one small matmul per frequency and image
        fft += m * points * MIX_NS
    return {"direct": direct, "gemm": gemm, "fft": fft}


def choose_method(images_shape, kernels: np.ndarray, geometry, dtype) -> str:
    """The method ``auto`` runs: the cheapest by :func:`estimate_costs`."""
    costs = estimate_costs(images_shape, kernels, geometry, dtype)
    return min(costs, key=costs.__getitem__)


def all_finite(images: np.ndarray, kernels: np.ndarray, threads: int | None = None) -> bool:
    """No NaN or inf in the inputs, checked a few MiB at a time (bounded memory, even for one big image).

    A finite sum of a chunk proves every value in it finite (an inf or NaN
    makes the sum inf or NaN); only a sum that is not finite, from a
    non-finite value or from finite values that overflow, is checked value by
    value. Chunks run on the engine's threads: (50000, 28, 28) float64 went
    from 14.5 to 9-10 ms, about one read of the batch at this machine's bandwidth.
    """
    if not np.isfinite(kernels).all():
        return False
    if images.dtype.kind not in "fc" or images.size == 0:
        return True
    rows = images.reshape(-1, images.shape[-2] * images.shape[-1]) if images.flags.c_contiguous else None
    if rows is None:  # a strided view: image by image
        return all(np.isfinite(image).all() for image in images)
    step = max(1, BLOCK_BYTES // max(1, rows[0].nbytes))
    summed = images.dtype.itemsize >= 4  # a float16 sum overflows at 65504: check those value by value
    bad: list[slice] = []

    def check(sl: slice) -> None:
        part = rows[sl]
        if not ((summed and np.isfinite(np.add.reduce(part, axis=None))) or np.isfinite(part).all()):
            bad.append(sl)

    chunks = [slice(lo, lo + step) for lo in range(0, len(rows), step)]
    run_blocks(check, chunks, resolve_threads(threads))
    return not bad


def correlate(
    images, kernels, geometry, pad_mode: str, pad_value, dtype, method: str = "auto", threads: int | None = None
) -> np.ndarray:
    """Batched cross-correlation of checked arguments.

    Parameters
    ----------
    images : ndarray, shape (m, h, w, c)
    kernels : ndarray, shape (kh, kw, c, nc)
    geometry : pair of AxisGeometry (height, width), from ``_shapes.geometry_2d``
    pad_mode, pad_value : as in ``numpy.pad``
    dtype : floating dtype to compute and return in
    method : {'auto', 'measure', 'direct', 'gemm', 'fft'}
    threads : int or None
        Threads over batch blocks; ``None``: ``$CONVPOOL_NUM_THREADS`` or the cores.

    Returns
    -------
    ndarray, shape (m, oh, ow, nc), a new array of ``dtype``.

    Notes
    -----
    An image whose working set exceeds ``tiles.TILE_FROM_BYTES`` is computed
    in spatial tiles (see :mod:`~convpool._backends.numpy.tiles`). Kernels holding inf
    or NaN never run as FFT (``'fft'`` runs the tap loop) or a
    rank-1 split, so every method gives the definition's NaN and inf.
    """
    dtype = np.dtype(dtype)
    if method == "measure":
        args = (images, kernels, geometry, pad_mode, pad_value, dtype)
        key = (images.shape, images.dtype.str, kernels.shape, tuple(geometry), pad_mode, pad_value, dtype.str, threads)
        if key not in _MEASURED:
            return _measure(key, *args, threads)
        _MEASURED.move_to_end(key)
        method = _MEASURED[key]
        if method == "fft" and not all_finite(images, kernels, threads):
            method = "direct"
    if method == "auto":
        method = choose_method(images.shape, kernels, geometry, dtype)
        if method == "fft" and not all_finite(images, kernels, threads):  # the FFT smears one NaN over a block
            method = "direct"
    elif method == "fft" and not np.isfinite(kernels).all():
        method = "direct"  # a kernel's inf or NaN would spread over the whole spectrum
    if method == "direct" and not kernels.all() and not all_finite(images, kernels, threads):
        method = "gemm"  # the tap loop skips zero taps, but 0 * inf is NaN: a product per tap reads them all
    threads = resolve_threads(threads)

    def working(g) -> tuple[int, int]:
        return _WORKING[method](kernels, g, images.shape[3], dtype)

    # an empty batch has nothing to tile (and a huge padded image would make millions of empty tiles)
    tiles = None if images.shape[0] == 0 else plan(geometry, lambda g: working(g)[0], working(geometry)[1])
    if tiles is None:
        return _RUN[method](images, kernels, geometry, pad_mode, pad_value, dtype, threads)
    return _correlate_tiles(method, tiles, images, kernels, geometry, pad_mode, pad_value, dtype, threads)


def _measure(key: tuple, images, kernels, geometry, pad_mode, pad_value, dtype, threads) -> np.ndarray:
    """Run each method once, remember the fastest under ``key`` and return its result.

    The FFT is left out where the inputs hold inf or NaN (it would run the tap loop anyway).
    """
    methods = ["direct", "gemm"] + (["fft"] if all_finite(images, kernels) else [])
    best, best_time, result = "direct", math.inf, None
    for method in methods:
        start = time.perf_counter()
        out = correlate(images, kernels, geometry, pad_mode, pad_value, dtype, method, threads)
        elapsed = time.perf_counter() - start
        if elapsed < best_time:
            best, best_time, result = method, elapsed, out
        del out
    _MEASURED[key] = best
    while len(_MEASURED) > MEASURED_KEYS:
        _MEASURED.popitem(last=False)
    assert result is not None  # direct and gemm always run
    return result


def measured_methods() -> dict[tuple, str]:
    """A copy of ``method='measure'``'s choices so far: plan key -> method."""
    return dict(_MEASURED)


def _correlate_tiles(method, tiles, images, kernels, geometry, pad_mode, pad_value, dtype, threads) -> np.ndarray:
    """:func:`correlate` of images too big for one block, tile by tile (see ``tiles``)."""
    run = _RUN[method]
    # the tap loop sums in the whole image's tap order, so its tiles round like the whole image
    extra = {"whole": geometry} if method == "direct" else {}
    out = np.empty((images.shape[0], geometry[0].out, geometry[1].out, kernels.shape[3]), dtype=dtype)

    def compute(tile, tile_geometry):
        return run(tile, kernels, tile_geometry, pad_mode, pad_value, dtype, 1, **extra)

    # BLAS threads the GEMM paths itself (see gemm.py): their tiles run one after another
    return run_tiles(compute, images, geometry, out, tiles, pad_mode, 1 if method == "gemm" else threads)
