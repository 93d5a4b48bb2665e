"""Grouped convolution (``groups > 1``), as PyTorch's ``conv2d(groups=)`` defines it.

The ``c`` input channels and ``nc`` outputs are cut into ``G`` groups of
``cg = c // G`` and ``ng = nc // G``; output ``o`` belongs to group
``o // ng`` and reads only that group's input channels, with kernels of shape
``(kh, kw, cg, nc)``.

* **Depthwise** (``cg == 1``, e.g. ``G == c``): output ``o`` reads input
  channel ``o // ng`` alone: the forward is one ``einsum`` of the windows
  (a strided view) with the kernels over all channels at once; the backward
  takes one ``einsum`` per tap for the kernels and spreads the input gradient
  by one ``einsum`` or per tap (see :func:`_spread_grad`). A channel
  multiplier ``ng > 1`` repeats each input channel ``ng`` times first. No
  loop over groups.
* **Other groups**: from 64 input channels on, one batched matrix product
  per block over the group axis (:mod:`~convpool._backends.numpy.grouped_gemm`, 1/G
  of the dense flops); with fewer channels, or for an image too big for a
  block, the kernels become one block-diagonal ``(kh, kw, c, nc)`` array
  (zeros between groups) for the ungrouped engine: exact, ``G`` times the
  flops, and faster there (one wide product; it also tiles).
"""

from __future__ import annotations

import numpy as np

from ..._plan._shapes import geometry_2d
from .blocking import BLOCK_BYTES, batch_blocks, pad_block, patches, tap_view
from .threads import resolve_threads, run_blocks


def dense_kernels(kernels: np.ndarray, groups: int) -> np.ndarray:
    """The block-diagonal ``(kh, kw, c, nc)`` equivalent of grouped ``(kh, kw, c // G, nc)`` kernels."""
    kh, kw, cg, nc = kernels.shape
    ng = nc // groups
    dense = np.zeros((kh, kw, groups, cg, groups, ng), dtype=kernels.dtype)
    every = np.arange(groups)
    # dense[:, :, g, :, g, :] = the group's kernels, for all g at once (indexed axes come first)
    dense[:, :, every, :, every, :] = kernels.reshape(kh, kw, cg, groups, ng).transpose(3, 0, 1, 2, 4)
    return dense.reshape(kh, kw, groups * cg, nc)


def group_diagonal(grad_dense: np.ndarray, groups: int) -> np.ndarray:
    """The grouped ``(kh, kw, c // G, nc)`` part of a dense kernels gradient (its diagonal blocks)."""
    kh, kw, c, nc = grad_dense.shape
    blocks = grad_dense.reshape(kh, kw, groups, c // groups, groups, nc // groups)
    every = np.arange(groups)
    return np.ascontiguousarray(blocks[:, :, every, :, every, :].transpose(1, 2, 3, 0, 4).reshape(kh, kw, -1, nc))


def _spread(padded: np.ndarray, multiplier: int) -> np.ndarray:
    """Input channel ``o // multiplier`` for every output ``o`` (the depthwise channel multiplier)."""
    return padded if multiplier == 1 else np.repeat(padded, multiplier, axis=3)


def depthwise(images, kernels, geometry, pad_mode: str, pad_value, dtype, threads: int | None) -> np.ndarray:
    """Depthwise convolution, ``k = nc // c`` outputs per input channel, (m, h, w, c) -> (m, oh, ow, nc).

    ``out[n, i, j, o] = sum_{a, b} xp[n, i*sh + a*dh, j*sw + b*dw, o // k] * kernels[a, b, 0, o]``
    """
    gh, gw = geometry
    m, nc = images.shape[0], kernels.shape[3]
    multiplier = nc // images.shape[3]
    weights = kernels[:, :, 0, :].astype(dtype, copy=False)
    out = np.empty((m, gh.out, gw.out, nc), dtype=dtype)
    per_image = (gh.padded * gw.padded + gh.out * gw.out) * nc * dtype.itemsize

    def work(rows: slice) -> None:
        # one einsum over every window (a strided view, no copy): one pass where a multiply and an
        # add per tap make 2 kh kw - 1 passes (3x faster on (56, 56, 128) float32; it releases the GIL)
        src = _spread(pad_block(images[rows], geometry, pad_mode, pad_value, dtype), multiplier)
        _window_sums(src, geometry, weights, out[rows])

    run_blocks(work, list(batch_blocks(m, per_image, BLOCK_BYTES)), resolve_threads(threads))
    return out


def _window_sums(padded, geometry, weights, out) -> None:
    """``out[n, i, j, o] = sum_{a, b} window(i, j)[a, b, o] * weights[a, b, o]``: one einsum, no copies."""
    np.einsum("nijabo,abo->nijo", patches(padded, geometry, *weights.shape[:2]), weights, out=out)


def depthwise_backward(
    grad, images, kernels, geometry, pad_mode: str, pad_value, dtype, threads: int | None = None, *, channels=None
):
    """``(grad_padded, grad_kernels)`` of :func:`depthwise`; the caller folds ``grad_padded`` (m, H, W, c).

    With ``images=None`` and their ``channels`` count only ``grad_padded`` is
    computed and ``grad_kernels`` is ``None``: the transposed depthwise convolution.

    ``grad_kernels[a, b, 0, o] = sum_{n, i, j} xp[n, i*sh + a*dh, j*sw + b*dw, o // k] * g[n, i, j, o]``;
    every tap adds ``g * kernels[a, b, 0, :]`` back onto the cells it read, and
    the ``k`` outputs of one input channel are summed. Batch block by batch
    block on the engine's threads; the blocks' kernel gradients are added in
    block order, so the result does not depend on the thread count.
    """
    gh, gw = geometry
    m, nc = grad.shape[0], kernels.shape[3]
    c = channels if images is None else images.shape[3]
    multiplier = nc // c
    weights = kernels[:, :, 0, :].astype(dtype, copy=False)
    padded_grad = np.empty((m, gh.padded, gw.padded, c), dtype=dtype)
    blocks = list(batch_blocks(m, 3 * gh.padded * gw.padded * nc * dtype.itemsize, BLOCK_BYTES))
    partial = np.zeros((len(blocks), gh.kernel, gw.kernel, 1, nc), dtype=dtype)

    def work(index: int) -> None:
        rows = blocks[index]
        g = grad[rows].astype(dtype, copy=False)
        src = (
            None
            if images is None
            else _spread(pad_block(images[rows], geometry, pad_mode, pad_value, dtype), multiplier)
        )
        if src is not None:
            for a, b in np.ndindex(gh.kernel, gw.kernel):
                partial[index, a, b, 0] = np.einsum("nijo,nijo->o", tap_view(src, geometry, a, b), g)
        spread = padded_grad[rows] if multiplier == 1 else np.empty((len(g), gh.padded, gw.padded, nc), dtype)
        _spread_grad(g, weights, geometry, spread)
        if multiplier > 1:
            padded_grad[rows] = spread.reshape(len(g), gh.padded, gw.padded, c, multiplier).sum(axis=4)

    run_blocks(work, list(range(len(blocks))), resolve_threads(threads))
    if images is None:
        return padded_grad, None
    return padded_grad, partial.sum(axis=0, dtype=dtype)  # no blocks (an empty batch): zeros


#: The stride-1 input gradient is one einsum while the padded cells are at most this many times the outputs.
SPREAD_BY_EINSUM = 1.2


def _spread_grad(g, weights, geometry, spread) -> None:
    """``spread`` (b, H, W, nc) = every tap's ``g * weights[a, b]`` added back onto the cells it read.

    At stride 1 that is the depthwise correlation of ``g`` zero-padded by
    ``extent - 1`` with the flipped kernels: one einsum over the ``H * W``
    cells. Where ``H * W`` exceeds ``g``'s cells by more than
    :data:`SPREAD_BY_EINSUM` (small images: 4 x 4 padded to 6 x 6 ran 1.7x
    slower; 28 x 28 ran 1.4x faster) or at larger strides (the windows would
    mostly read zeros), the taps scatter one by one, two passes each.
    """
    gh, gw = geometry
    if gh.stride == gw.stride == 1 and gh.padded * gw.padded <= SPREAD_BY_EINSUM * gh.out * gw.out:
        full = geometry_2d(
            ((gh.extent - 1,) * 2, (gw.extent - 1,) * 2),
            g.shape[1:3],
            weights.shape[:2],
            (1, 1),
            (gh.dilation, gw.dilation),
        )
        _window_sums(pad_block(g, full, "constant", 0, g.dtype), full, weights[::-1, ::-1], spread)
        return
    spread[...] = 0
    term = np.empty_like(g)
    for a in range(gh.kernel):
        for b in range(gw.kernel):
            tap_view(spread, geometry, a, b)[...] += np.multiply(g, weights[a, b], out=term)
