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
#: Winograd only when ``c >= max(WINOGRAD_MIN_C, WINOGRAD_C_PER_NC * nc)`` (see :func:`uses_winograd`).
WINOGRAD_MIN_C = 16
WINOGRAD_C_PER_NC = 4
#: Bytes of tiles, transforms and products one Winograd block aims for.
WINOGRAD_BLOCK_BYTES = 16 * 1024 * 1024


def working_bytes(kernels, geometry, c: int, dtype: np.dtype) -> tuple[int, int]:
    """``(bytes, budget)``: one image's working set (Winograd's or im2col's), and its block size."""
    gh, gw = geometry
    kh, kw, _, nc = kernels.shape
    if uses_winograd(kernels, geometry):
        th, tw = (gh.out + 1) // 2, (gw.out + 1) // 2
        cells = (2 * th + 2) * (2 * tw + 2) * c + 4 * th * (2 * tw + 2) * c + 16 * th * tw * c + 24 * th * tw * nc
        return (cells + gh.padded * gw.padded * c) * dtype.itemsize, WINOGRAD_BLOCK_BYTES
    cells = gh.padded * gw.padded * c + gh.out * gw.out * (kh * kw * c + nc)
    return cells * dtype.itemsize, GEMM_BLOCK_BYTES


def correlate_gemm(images, kernels, geometry, pad_mode: str, pad_value, dtype, threads: int) -> np.ndarray:
    """Batched cross-correlation by per-block im2col and one ``matmul``.

    3x3 kernels at stride 1 with several times more input than output channels go through
    :func:`correlate_winograd` instead (2.25x fewer flops; see :func:`uses_winograd`).
    """
    if uses_winograd(kernels, geometry):
        return correlate_winograd(images, kernels, geometry, pad_mode, pad_value, dtype, threads)
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

    # BLAS already runs each product on all cores; Python threads on top only
    # oversubscribe them (measured slower), so blocks run one after another.
    del threads
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


# --- Winograd F(2x2, 3x3) -----------------------------------------------------------------------
#
# For a 3x3 kernel at stride 1 every 2x2 block of outputs is ``A^T [(G g G^T) * (B^T d B)] A``
# over the 4x4 input tile ``d`` (Lavin and Gray, 2015): 16 products per tile instead of 36, i.e.
# 16 GEMMs of (tiles, c) @ (c, nc) instead of one of (pixels, 9 c) @ (9 c, nc), 2.25x fewer flops.
_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])


def winograd_applies(kernels, geometry) -> bool:
    """Winograd F(2x2, 3x3) fits: a 3x3 finite kernel, stride 1 and dilation 1 on both axes.

    A kernel with inf or NaN goes through im2col instead: the transformed
    kernel mixes every weight into every product, so one inf would make whole
    tiles NaN where the definition has a number.
    """
    return (
        kernels.shape[:2] == (3, 3)
        and all(g.stride == 1 and g.dilation == 1 for g in geometry)
        and bool(np.isfinite(kernels).all())
    )


def uses_winograd(kernels, geometry) -> bool:
    """The ``gemm`` method runs Winograd: it applies and the input has ``c >= max(16, 4 * nc)`` channels.

    Winograd saves flops but makes 16 thin products of ``(tiles, c) @ (c, nc)``
    and transforms ``16 * nc`` planes of products back: on NumPy and OpenBLAS
    that costs more than im2col's one product unless ``c`` is several times
    ``nc`` (measured over ``c, nc`` in 1..128, float32 and float64, in
    docs/performance.md: im2col is 1.1-15x faster below the line, Winograd
    1.0-1.4x faster above it).
    """
    c, nc = kernels.shape[2], kernels.shape[3]
    return c >= max(WINOGRAD_MIN_C, WINOGRAD_C_PER_NC * nc) and winograd_applies(kernels, geometry)


def _tile_transform(dst, src_of, n: int) -> None:
    """``B^T`` along one axis: ``dst[k] = combination k of src_of(0..3)`` (4 rows of the tile)."""
    r0, r1, r2, r3 = (src_of(i) for i in range(4))
    np.subtract(r0, r2, out=dst[0, :n])
    np.add(r1, r2, out=dst[1, :n])
    np.subtract(r2, r1, out=dst[2, :n])
    np.subtract(r1, r3, out=dst[3, :n])


def correlate_winograd(images, kernels, geometry, pad_mode: str, pad_value, dtype, threads: int) -> np.ndarray:
    """Batched 3x3 stride-1 cross-correlation by Winograd F(2x2, 3x3), block by block.

    Rounding: a few units of ``dtype``'s epsilon times the largest partial sum
    more than the direct sum (the transforms add and subtract tiles).
    """
    m, _, _, c = images.shape
    nc = kernels.shape[3]
    gh, gw = geometry
    oh, ow = gh.out, gw.out
    th, tw = (oh + 1) // 2, (ow + 1) // 2
    weights = np.einsum("ia,abco,jb->ijco", _G, kernels.astype(np.float64), _G).astype(dtype)  # (4, 4, c, nc)
    out = np.empty((m, oh, ow, nc), dtype=dtype)
    # per image: the tile buffer, 4 row-transformed and 16 fully transformed tiles, 16 products and 8 sums
    per_image = ((2 * th + 2) * (2 * tw + 2) * c + 4 * th * (2 * tw + 2) * c + 16 * th * tw * c) * dtype.itemsize
    per_image += 24 * th * tw * nc * dtype.itemsize

    def work(rows: slice) -> None:
        padded = pad_block(images[rows], geometry, pad_mode, pad_value, dtype)
        b, hp, wp, _ = padded.shape
        n = b * th * tw
        tiles = scratch("wino_tiles", (b, 2 * th + 2, 2 * tw + 2, c), dtype)
        tiles[:, hp:] = 0  # rows and columns past the image only feed outputs that are cut off
        tiles[:, :hp, wp:] = 0
        tiles[:, :hp, :wp] = padded
        half = scratch("wino_half", (4, b, th, 2 * tw + 2, c), dtype)
        _tile_transform(half, lambda i: tiles[:, i : i + 2 * th : 2], b)
        full = scratch("wino_full", (4, 4, b, th, tw, c), dtype)
        for i in range(4):
            _tile_transform(full[i], lambda j, i=i: half[i, :, :, j : j + 2 * tw : 2], b)
        products = scratch("wino_products", (4, 4, n, nc), dtype)
        for i in range(4):
            for j in range(4):
                np.matmul(full[i, j].reshape(n, c), weights[i, j], out=products[i, j])
        # A^T = [[1, 1, 1, 0], [0, 1, -1, -1]], along the tile rows, then the columns
        sums = scratch("wino_sums", (2, 4, n, nc), dtype)
        np.add(products[0], products[1], out=sums[0])
        sums[0] += products[2]
        np.subtract(products[1], products[2], out=sums[1])
        sums[1] -= products[3]
        dst = out[rows]
        for p in range(2):
            s = sums[p].reshape(4, b, th, tw, nc)
            rows_p = (oh - p + 1) // 2
            left = dst[:, p::2, 0::2]
            np.add(s[0, :, :rows_p], s[1, :, :rows_p], out=left)
            left += s[2, :, :rows_p]
            right = dst[:, p::2, 1::2]
            cols_r = ow // 2
            np.subtract(s[1, :, :rows_p, :cols_r], s[2, :, :rows_p, :cols_r], out=right)
            right -= s[3, :, :rows_p, :cols_r]

    # BLAS threads the products; the transforms are cheap next to them
    del threads
    run_blocks(work, list(batch_blocks(m, per_image, WINOGRAD_BLOCK_BYTES)), 1)
    return out
