"""Grouped convolution (``1 < c // groups``) as one batched matrix product per block.

The windows of a block, gathered as for im2col but group-major, shape
``(G, b * oh * ow, kh * kw * cg)``, times each group's kernels
``(G, kh * kw * cg, ng)`` in one ``np.matmul`` over the group axis: the
ungrouped flops divided by ``G`` (the block-diagonal dense kernels of
:func:`~convpool._backends.numpy.grouped.dense_kernels` cost ``G`` times as much), and
no Python loop over groups. The kernel gradient is the transposed product of
the same windows with the output gradient.
"""

from __future__ import annotations

import numpy as np

from .blocking import batch_blocks, pad_block, patches
from .gemm import GEMM_BLOCK_BYTES
from .scratch import scratch
from .threads import run_blocks
from .tiles import TILE_FROM_BYTES

#: Per-group products from this many input channels on. Below, the dense kernels' one product was
#: faster despite G times the flops (measured, float32, 2 cores: c = 32, G = 4..16: dense 2-4x faster;
#: c = 64..256, G = 4..32: per-group 1.0-38x faster).
FROM_CHANNELS = 64


def fits_blocks(images_shape, kernels_shape, geometry, dtype) -> bool:
    """Per-group products pay (``c >= FROM_CHANNELS``) and one image's windows fit a block.

    Otherwise the dense block-diagonal kernels run, on the engine that also tiles big images.
    """
    if images_shape[3] < FROM_CHANNELS:
        return False
    return _per_image(images_shape, kernels_shape, geometry, np.dtype(dtype)) <= TILE_FROM_BYTES


def _per_image(images_shape, kernels_shape, geometry, dtype: np.dtype) -> int:
    gh, gw = geometry
    kh, kw, _, nc = kernels_shape
    c = images_shape[3]
    return (gh.padded * gw.padded * c + gh.out * gw.out * (kh * kw * c + 2 * nc)) * dtype.itemsize


def _windows(images, rows: slice, geometry, kernels_shape, groups: int, pad_mode, pad_value, dtype):
    """The block's windows, group-major: ``(G, b * oh * ow, kh * kw * cg)`` (scratch memory)."""
    kh, kw, cg, _ = kernels_shape
    gh, gw = geometry
    padded = pad_block(images[rows], geometry, pad_mode, pad_value, dtype)
    b = padded.shape[0]
    view = patches(padded, geometry, kh, kw).reshape(b, gh.out, gw.out, kh, kw, groups, cg)
    cols = scratch("grouped_cols", (groups, b, gh.out, gw.out, kh, kw, cg), dtype)
    np.copyto(cols, view.transpose(5, 0, 1, 2, 3, 4, 6))
    return cols.reshape(groups, b * gh.out * gw.out, kh * kw * cg)


def _group_major(kernels, groups: int, dtype) -> np.ndarray:
    """``(kh, kw, cg, nc)`` kernels as ``(G, kh * kw * cg, ng)``, the rows in the windows' order."""
    kh, kw, cg, nc = kernels.shape
    by_group = kernels.astype(dtype, copy=False).reshape(kh, kw, cg, groups, nc // groups).transpose(3, 0, 1, 2, 4)
    return np.ascontiguousarray(by_group).reshape(groups, kh * kw * cg, nc // groups)


def correlate_grouped(images, kernels, geometry, pad_mode: str, pad_value, dtype, groups: int) -> np.ndarray:
    """``convolve(..., groups=G)`` for ``c // G > 1``: (m, h, w, c) -> (m, oh, ow, nc)."""
    m, nc = images.shape[0], kernels.shape[3]
    gh, gw = geometry
    weights = _group_major(kernels, groups, dtype)
    out = np.empty((m, gh.out, gw.out, nc), dtype=dtype)

    def work(rows: slice) -> None:
        cols = _windows(images, rows, geometry, kernels.shape, groups, pad_mode, pad_value, dtype)
        product = np.matmul(cols, weights)  # (G, P, ng)
        out[rows] = product.transpose(1, 0, 2).reshape(out[rows].shape)

    # BLAS threads each product (see gemm.py): blocks run one after another
    per_image = _per_image(images.shape, kernels.shape, geometry, dtype)
    run_blocks(work, list(batch_blocks(m, per_image, GEMM_BLOCK_BYTES)), 1)
    return out


def grouped_kernels_grad(grad, images, kernels, geometry, pad_mode: str, pad_value, dtype, groups: int):
    """``grad_kernels`` (kh, kw, cg, nc) of :func:`correlate_grouped`, summed over blocks in order."""
    m = images.shape[0]
    kh, kw, cg, nc = kernels.shape
    total = np.zeros((groups, kh * kw * cg, nc // groups), dtype=dtype)
    for rows in batch_blocks(m, _per_image(images.shape, kernels.shape, geometry, dtype), GEMM_BLOCK_BYTES):
        cols = _windows(images, rows, geometry, kernels.shape, groups, pad_mode, pad_value, dtype)
        g = grad[rows].astype(dtype, copy=False).reshape(-1, groups, nc // groups).transpose(1, 0, 2)
        total += np.matmul(cols.transpose(0, 2, 1), g)  # (G, kh kw cg, ng)
    return np.ascontiguousarray(total.reshape(groups, kh, kw, cg, nc // groups).transpose(1, 2, 3, 0, 4)).reshape(
        kh, kw, cg, nc
    )


def flipped_grouped(kernels, groups: int) -> np.ndarray:
    """The kernels of the input gradient at stride 1, still grouped: (kh, kw, ng, c), taps flipped.

    Group ``g``'s ``(kh, kw, cg, ng)`` kernels become ``(kh, kw, ng, cg)`` reversed
    in both taps, and the groups' ``cg`` outputs stay in the images' channel order.
    """
    kh, kw, cg, nc = kernels.shape
    per_group = kernels[::-1, ::-1].reshape(kh, kw, cg, groups, nc // groups)
    return np.ascontiguousarray(per_group.transpose(0, 1, 4, 3, 2)).reshape(kh, kw, nc // groups, groups * cg)
