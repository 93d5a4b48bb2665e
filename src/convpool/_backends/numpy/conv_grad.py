"""The convolution gradients' engine work behind :func:`convpool.convolve_backward`.

``grad_kernels`` (per tap, as dot products on flattened planes or GEMMs over
im2col blocks), ``grad_images`` (a forward :func:`~convpool.convolve` at
stride 1, the transposed tap loop at larger strides) and the exact adjoint of
:func:`numpy.pad` that folds a padded gradient back onto the input's cells.
The formulas are in :func:`convpool.convolve_backward`'s docstring.
"""

from __future__ import annotations

import numpy as np

from . import tiles
from .blocking import BLOCK_BYTES, batch_blocks, pad_block, tap_view
from .direct import FLAT_BLOCK_BYTES, planar
from .fold import fold_padding
from .forward import correlate_with
from .gemm import im2col
from .grouped import dense_kernels
from .grouped_gemm import flipped_grouped
from .scratch import scratch
from .threads import resolve_threads, run_blocks

#: Bytes of batch per call of the forward :func:`~convpool.convolve` when the
#: input gradient needs folding: large enough that an engine's own blocking and
#: threads run on long stretches, small enough that the fold stays in cache
#: (4 MiB calls were 10% faster with the tap-loop engine, 64 MiB 10% slower).
CONVOLVE_CALL_BYTES = 16 * 1024 * 1024


#: Working set of one block of the tap loops (kernel gradient and strided input gradient).
TAP_BLOCK_BYTES = BLOCK_BYTES


def kernels_grad(grad, images, weights, geometry, pad_mode, pad_value, dtype) -> np.ndarray:
    """``grad_kernels`` (kh, kw, c, nc), accumulated over blocks of a few MiB of the batch.

    An image too big for a block is cut into the engine's spatial tiles
    (:mod:`~convpool._backends.numpy.tiles`): each tile's output gradient against its
    input cells and halo gives a partial sum, added in a fixed tile order (the
    same whatever the thread count; rounding differs from summing the image whole).
    """
    kh, kw, c, nc = weights.shape
    per_cell = c + nc

    def cost(g) -> int:  # the padded tile as planes, the gradient planes, the tap copies
        return (g[0].padded * g[1].padded * per_cell + g[0].out * g[1].out * (nc + kh * kw * c)) * dtype.itemsize

    plan = tiles.plan(geometry, cost, IM2COL_BLOCK_BYTES)
    if plan is None:
        return _kernels_grad_blocks(grad, images, weights, geometry, pad_mode, pad_value, dtype)
    maps = tiles.pad_maps(geometry, pad_mode)
    total = np.zeros(weights.shape, dtype=dtype)
    for n in range(images.shape[0]):
        for (r0, r1), (c0, c1) in plan:
            x, g = tiles.tile_input(images[n : n + 1], geometry, (r0, r1), (c0, c1), maps)
            part = grad[n : n + 1, r0:r1, c0:c1]
            total += _kernels_grad_blocks(part, x, weights, g, pad_mode, pad_value, dtype)
    return total


def _kernels_grad_blocks(grad, images, weights, geometry, pad_mode, pad_value, dtype) -> np.ndarray:
    """:func:`kernels_grad` over batch blocks (one image, or one tile, at the least)."""
    gh, gw = geometry
    kh, kw, c, nc = weights.shape
    im2col = _by_im2col(c, nc)
    if gh.stride == gw.stride == 1 and c * nc <= DOT_WEIGHTS and not im2col:
        return _kernels_grad_flat(grad, images, weights.shape, geometry, pad_mode, pad_value, dtype)
    # padded block + grad_output block + the tap copies (an im2col block for many channels)
    copies = kh * kw * c if im2col else c
    per_image = (gh.padded * gw.padded * c + gh.out * gw.out * (nc + copies)) * dtype.itemsize
    m = images.shape[0]
    blocks = list(batch_blocks(m, per_image, IM2COL_BLOCK_BYTES if im2col else TAP_BLOCK_BYTES))

    def accumulate(rows: slice, grad_kernels: np.ndarray) -> None:
        padded = pad_block(images[rows], geometry, pad_mode, pad_value, dtype)
        _accumulate_kernel_grad(grad_kernels, padded, grad[rows].astype(dtype, copy=False), geometry)

    # The einsum paths use no BLAS and take threads; BLAS products stall when
    # called from several threads on a busy machine (see IM2COL_WEIGHTS), so they run in order.
    if c == nc == 1 or (c > 1 and nc > 1 and c * nc <= DOT_WEIGHTS):
        return _sum_over_blocks(accumulate, blocks, weights.shape, dtype)
    grad_kernels = np.zeros(weights.shape, dtype=dtype)
    for rows in blocks:
        accumulate(rows, grad_kernels)
    return grad_kernels


def _sum_over_blocks(accumulate, blocks: list, shape, dtype) -> np.ndarray:
    """``sum over blocks of accumulate(rows, zeros(shape))``, the blocks on the engine's threads.

    Each block adds into its own zeroed slot and the slots are added in block
    order at the end, so the result does not depend on the thread count.
    """
    partials = np.zeros((len(blocks),) + tuple(shape), dtype=dtype)
    slot = {rows.start: i for i, rows in enumerate(blocks)}
    run_blocks(lambda rows: accumulate(rows, partials[slot[rows.start]]), blocks, resolve_threads(None))
    return partials.sum(axis=0)


#: Working set of one block of the flattened-plane kernel gradient (the forward engine's).
FLAT_GRAD_BLOCK_BYTES = FLAT_BLOCK_BYTES


def _kernels_grad_flat(grad, images, shape, geometry, pad_mode, pad_value, dtype) -> np.ndarray:
    """The stride-1 kernel gradient for few channels on flattened planes, on the engine's threads.

    The forward engine's trick (:func:`~convpool._backends.numpy.direct.planar`) in
    reverse: with the padded block as planes ``(c, b, hp, wp)`` and ``grad``
    written into zeroed planes of the same layout, output ``(n, i, j)`` sits at
    flat index ``p`` and tap ``(a, t)`` reads image cell ``p + a dh wp + t dw``.
    So ``grad_kernels[a, t, k, o]`` is one dot product of two contiguous rows,
    ``x[k, off : off + L] . g[o, :L]``: no tap copies, and the zeros around
    ``grad`` cancel the cells no output reads. The dots run in ``einsum``
    (BLAS's threaded dot products stall on a busy machine). Each block's
    partial sums go to their own slot and are added in block order, so the
    result does not depend on the thread count.
    """
    gh, gw = geometry
    kh, kw, c, nc = shape
    hp, wp = gh.padded, gw.padded
    blocks = list(batch_blocks(images.shape[0], (c + nc) * hp * wp * dtype.itemsize, FLAT_GRAD_BLOCK_BYTES))
    reach = (gh.extent - 1) * wp + gw.extent - 1

    def accumulate(rows: slice, out: np.ndarray) -> None:
        flat = planar(images[rows], geometry, pad_mode, pad_value, dtype).reshape(c, -1)
        planes = scratch("grad_planes", (nc, rows.stop - rows.start, hp, wp), dtype)
        planes[:, :, gh.out :] = 0
        planes[:, :, : gh.out, gw.out :] = 0
        np.copyto(planes[:, :, : gh.out, : gw.out], np.moveaxis(grad[rows], 3, 0), casting="unsafe")
        length = flat.shape[1] - reach
        rows_g = planes.reshape(nc, -1)[:, :length]
        for a in range(kh):
            for t in range(kw):
                off = a * gh.dilation * wp + t * gw.dilation
                out[a, t] = np.einsum("kn,on->ko", flat[:, off : off + length], rows_g)

    return _sum_over_blocks(accumulate, blocks, shape, dtype)


def images_grad(grad, weights, geometry, pad_mode: str, shape, dtype, groups: int = 1) -> np.ndarray:
    """``grad_images`` (m, h, w, c): the gradient of the padded images, folded back through the padding.

    Stride 1: a forward convolution of ``grad`` with the flipped, transposed
    kernels under ``'full'`` padding (``(k - 1) * d`` per side), which yields
    exactly the padded size ``H = oh + (kh - 1) * dh``. Without padding to
    fold, or with constant padding (whose cells are dropped), only the input's
    cells are computed, in one call (the engine blocks and threads it; see
    :func:`_cropped_full`); other pad modes fold in calls of
    :data:`CONVOLVE_CALL_BYTES`.

    Larger strides: the transpose of the tap loop, block by block, which
    never multiplies the zeros a stride-dilated ``grad_output`` would hold.

    With ``groups > 1`` the ``weights`` are grouped ``(kh, kw, c // G, nc)``:
    the stride-1 convolution stays grouped, the tap loop takes them dense.
    """
    gh, gw = geometry
    unpadded = gh.padded == gh.size and gw.padded == gw.size
    if groups > 1 and not _uses_convolution(geometry):
        weights, groups = dense_kernels(weights, groups), 1
    c, nc = shape[3], weights.shape[3]
    if _uses_convolution(geometry):
        # (kh, kw, nc, c), taps flipped; grouped: (kh, kw, ng, c)
        flipped = weights[::-1, ::-1].transpose(0, 1, 3, 2) if groups == 1 else flipped_grouped(weights, groups)
        dilation = (gh.dilation, gw.dilation)
        if unpadded or pad_mode == "constant":
            # Constant pad cells are dropped, so only the unpadded rows and columns
            # are needed: one call, no fold (see _cropped_full).
            cropped, pads = _cropped_full(grad, geometry)
            return correlate_with(cropped.astype(dtype, copy=False), flipped, pads, dilation, groups)
        full = ((gh.extent - 1,) * 2, (gw.extent - 1,) * 2)
        out = np.empty(shape, dtype=dtype)
        per_image = (gh.padded * gw.padded * c + gh.out * gw.out * nc) * dtype.itemsize
        for rows in batch_blocks(shape[0], per_image, CONVOLVE_CALL_BYTES):
            g = grad[rows].astype(dtype, copy=False)
            grad_padded = correlate_with(g, flipped, full, dilation, groups)
            out[rows] = fold_padding(grad_padded, geometry, pad_mode)
        return out
    # Unpadded, the tap-loop transpose adds straight into the result, which then starts at zero.
    out = (np.zeros if unpadded else np.empty)(shape, dtype=dtype)
    per_image = (gh.padded * gw.padded * c + gh.out * gw.out * (nc + c)) * dtype.itemsize

    def work(rows: slice) -> None:  # blocks write disjoint rows of ``out``: they run on the engine's threads
        g = grad[rows].astype(dtype, copy=False)
        if unpadded:
            _scatter_taps(g, weights, geometry, out[rows])
            return
        padded = np.zeros((len(g), gh.padded, gw.padded, c), dtype=dtype)
        _scatter_taps(g, weights, geometry, padded)
        out[rows] = fold_padding(padded, geometry, pad_mode)

    run_blocks(work, list(batch_blocks(shape[0], per_image, TAP_BLOCK_BYTES)), resolve_threads(None))
    return out


#: From this many kernel weights per tap (``c * nc``) on, the kernel gradient is
#: one GEMM per block over the block's im2col matrix instead of one per tap.
#: Such GEMMs have a huge inner size and a small result; many of them in a row
#: stall badly under OpenBLAS threads when other processes share the cores
#: (measured 10-20x slower), one larger GEMM per block does not.
IM2COL_WEIGHTS = 256

#: From this many output channels on, im2col too: one GEMM ``(kh kw c, N) @ (N, nc)``
#: beat both the flat dot products and the per-tap GEMMs (``(256, 8, 8, 1)`` with
#: 16 outputs, float32: 0.28 ms against 1.05 ms).
IM2COL_OUTPUTS = 8


def _by_im2col(c: int, nc: int) -> bool:
    """Whether the kernel gradient is one GEMM over an im2col block (see the constants above)."""
    return c * nc >= IM2COL_WEIGHTS or (nc >= IM2COL_OUTPUTS and c * nc > 1)


#: Working set of one im2col block: GEMMs over 16 MiB blocks ran 3x faster
#: than over 4 MiB ones under OpenBLAS threads on a busy machine, and as fast
#: with one thread.
IM2COL_BLOCK_BYTES = 16 * 1024 * 1024

#: Up to this many kernel weights per tap (``c * nc``, both above 1), the kernel
#: gradient is ``c * nc`` dot products per tap (one einsum) instead of a skinny GEMM.
DOT_WEIGHTS = 16


def _accumulate_kernel_grad(grad_kernels, padded, grad, geometry) -> None:
    """``grad_kernels[a, b] += view(a, b).reshape(-1, c).T @ grad.reshape(-1, nc)`` for every tap.

    ``padded`` (b, H, W, c) is the padded block and ``grad`` (b, oh, ow, nc) its
    output gradient. Three ways, by channel counts:

    * ``c == nc == 1``: a dot product per tap, by ``einsum`` on the strided
      view (one pass, where a copy plus BLAS takes two);
    * ``1 < c, nc`` and ``c * nc <= DOT_WEIGHTS``: ``c * nc`` dot products per
      tap, by einsum;
    * ``c * nc < IM2COL_WEIGHTS``: copy the tap's view, one small GEMM per tap;
    * otherwise: the block's im2col matrix (b * oh * ow, kh * kw * c), built
      tap by tap, and one GEMM (bounded: the block is a few MiB).
    """
    kh, kw, c, nc = grad_kernels.shape
    flat = grad.reshape(-1, nc)
    if c == nc == 1:
        for a in range(kh):
            for b in range(kw):
                grad_kernels[a, b] += np.einsum("nijc,nijo->co", tap_view(padded, geometry, a, b), grad)
        return
    if _by_im2col(c, nc):
        columns = np.empty(grad.shape[:3] + (kh, kw, c), dtype=grad.dtype)
        im2col(columns, padded, geometry)
        grad_kernels += (columns.reshape(len(flat), -1).T @ flat).reshape(grad_kernels.shape)
        return
    if c > 1 and nc > 1 and c * nc <= DOT_WEIGHTS:  # with c or nc 1 the GEMM below is a fast GEMV
        _kernel_grad_by_dots(grad_kernels, padded, grad, geometry)
        return
    # One buffer for every tap's copy: a fresh allocation per tap costs page faults.
    buffer = np.empty(grad.shape[:3] + (c,), dtype=grad.dtype)
    columns = buffer.reshape(-1, c)
    for a in range(kh):
        for b in range(kw):
            np.copyto(buffer, tap_view(padded, geometry, a, b))
            # OpenBLAS runs (nc, N) @ (N, c) several times faster than (c, N) @ (N, nc) for few channels.
            grad_kernels[a, b] += (flat.T @ columns).T


def _kernel_grad_by_dots(grad_kernels, padded, grad, geometry) -> None:
    """The kernel gradient for a few channels: ``c * nc`` dot products per tap, in one ``einsum``.

    A GEMM of shape (nc, N) @ (N, c) with tiny ``c`` and ``nc`` runs far below
    BLAS speed. Dot products of contiguous channel rows (the tap's view and
    ``grad`` copied channel-major) are faster; ``einsum`` computes them without
    BLAS, whose threaded dot products stall on a busy machine (10x slower).
    """
    kh, kw, c, nc = grad_kernels.shape
    rows = np.ascontiguousarray(np.moveaxis(grad, 3, 0)).reshape(nc, -1)  # (nc, N)
    buffer = np.empty((c,) + grad.shape[:3], dtype=grad.dtype)
    columns = buffer.reshape(c, -1)  # (c, N)
    for a in range(kh):
        for b in range(kw):
            np.copyto(buffer, np.moveaxis(tap_view(padded, geometry, a, b), 3, 0))
            grad_kernels[a, b] += np.einsum("kn,on->ko", columns, rows)


def _uses_convolution(geometry) -> bool:
    """Whether :func:`images_grad` calls the forward convolution: stride 1."""
    return geometry[0].stride == 1 and geometry[1].stride == 1


def _cropped_full(grad, geometry):
    """``grad`` and the padding under which correlating it gives the unpadded input's gradient.

    At stride 1 the gradient of the padded axis is the ``'full'`` correlation
    (``extent - 1`` cells per side) of ``grad``; its cells ``[before, before +
    size)`` are the input's. Cropping a correlation's output by ``before``
    cells is padding its input by ``before`` cells less: ``extent - 1 -
    before``, and where that is negative, dropping as many leading cells of
    ``grad`` (they only reach padding). Likewise at the end with ``after``.
    Returns ``(cropped grad, ((top, bottom), (left, right)))``.
    """
    cuts, pads = [slice(None)], []
    for g in geometry:
        first, last = g.extent - 1 - g.before, g.extent - 1 - g.after
        cuts.append(slice(max(0, -first), g.out - max(0, -last)))
        pads.append((max(0, first), max(0, last)))
    return grad[tuple(cuts)], tuple(pads)


def _scatter_taps(grad, weights, geometry, out) -> None:
    """Transpose of the engine's tap loop: ``view(a, b) += grad @ weights[a, b].T`` for every tap.

    ``out`` (b, H, W, c) is the padded block's gradient, zeroed by the caller.
    Cells of the padded axis no window reaches (the ``(H - extent) % s``
    trailing ones) keep a zero gradient.
    """
    kh, kw, c, _ = weights.shape
    term = np.empty(grad.shape[:3] + (c,), dtype=grad.dtype)
    single = weights.shape[3] == 1  # an outer product: see _outer
    for a in range(kh):
        for b in range(kw):
            if single:
                _outer(grad[..., 0], weights[a, b, :, 0], term)
            else:
                np.matmul(grad, weights[a, b].T, out=term)
            view = tap_view(out, geometry, a, b)
            view += term


def _outer(grad, weights, out) -> None:
    """``out[..., k] = grad * weights[k]``: grad (...), weights (c,), out (..., c).

    NumPy broadcasts this with an inner loop of length ``c``, slow for the
    few channels of an image; one scalar multiply per channel runs at memory speed.
    """
    if len(weights) > 16:
        np.multiply(grad[..., None], weights, out=out)
        return
    for k, weight in enumerate(weights):
        np.multiply(grad, weight, out=out[..., k])
