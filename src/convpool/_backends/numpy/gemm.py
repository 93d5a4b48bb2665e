"""Cross-correlation as one matrix product per block (bounded im2col + GEMM).

For a block of ``b`` images the patches of every output pixel are gathered
into ``cols``, shape ``(b * oh * ow, kh * kw * c)``, and multiplied by the
kernels reshaped to ``(kh * kw * c, nc)`` with BLAS. The block is sized so
``cols`` stays a few MiB: the im2col matrix of the whole batch is never built.
This wins when ``c * nc`` is large (CNN layers), where the tap loop would do
``kh * kw * c * nc`` thin passes.
"""

from __future__ import annotations

import numpy as np

from .blocking import batch_blocks, pad_block, patches, tap_view
from .scratch import scratch
from .threads import run_blocks

#: Bytes of patches (plus padded input and output) one GEMM block aims for: big enough
#: (thousands of rows) for BLAS to reach its speed, small enough for the memory bound.
GEMM_BLOCK_BYTES = 16 * 1024 * 1024


def working_bytes(kernels, geometry, c: int, dtype: np.dtype) -> tuple[int, int]:
    """``(bytes, budget)``: one image's im2col working set, and its block size."""
    gh, gw = geometry
    kh, kw, _, nc = kernels.shape
    cells = gh.padded * gw.padded * c + gh.out * gw.out * (kh * kw * c + nc)
    return cells * dtype.itemsize, GEMM_BLOCK_BYTES


def correlate_gemm(images, kernels, geometry, pad_mode: str, pad_value, dtype, threads: int) -> np.ndarray:
    """Batched cross-correlation by per-block im2col and one ``matmul``."""
    m, _, _, c = images.shape
    kh, kw, _, nc = kernels.shape
    gh, gw = geometry
    depth = kh * kw * c
    out = np.empty((m, gh.out, gw.out, nc), dtype=dtype)
    matrix = np.ascontiguousarray(kernels.astype(dtype, copy=False).reshape(depth, nc))
    pixels = gh.out * gw.out
    per_image = (gh.padded * gw.padded * c + pixels * (depth + nc)) * dtype.itemsize

    def work(rows: slice) -> None:
        padded = pad_block(images[rows], geometry, pad_mode, pad_value, dtype)
        b = padded.shape[0]
        cols = scratch("gemm_cols", (b, gh.out, gw.out, kh, kw, c), dtype)
        im2col(cols, padded, geometry)
        np.matmul(cols.reshape(b * pixels, depth), matrix, out=out[rows].reshape(b * pixels, nc))

    # BLAS runs each product on its own threads (held to the call's `threads` by the backend's ops:
    # threads.blas_limited); Python threads on top only oversubscribe them (measured slower), so
    # blocks run one after another.
    run_blocks(work, list(batch_blocks(m, per_image, GEMM_BLOCK_BYTES)), 1)
    return out


def im2col(cols, padded, geometry) -> None:
    """Fill ``cols`` (b, oh, ow, kh, kw, c) with the windows of ``padded``: one copy, or one per tap for ``c == 1``."""
    kh, kw = cols.shape[3:5]
    if cols.shape[5] > 1:
        np.copyto(cols, patches(padded, geometry, kh, kw))
        return
    for a in range(kh):
        for t in range(kw):
            cols[:, :, :, a, t, :] = tap_view(padded, geometry, a, t)
