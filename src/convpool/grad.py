"""Backward passes: gradients of :func:`convolve` and :func:`pool` for training CNNs.

Both are built on the forward machinery (one engine behind every door):

* ``grad_images`` of a stride-1 convolution is itself a convolution (the
  forward :func:`~convpool.convolve`, so a faster engine speeds it up too) of
  ``grad_output`` with the spatially flipped, channel-transposed kernels under
  ``'full'`` padding, cropped to the input's cells when the padding is
  constant; for larger strides it is the exact transpose of the engine's tap
  loop (each tap's ``grad_output @ kernels[a, b].T`` added into the same
  strided :func:`~convpool._engine.blocking.tap_view` the forward pass read).
* ``grad_kernels`` per tap ``(a, b)`` is ``view(a, b).reshape(-1, c).T @
  grad_output.reshape(-1, nc)``, block by block over the batch: for a few
  channels at stride 1 as dot products on the engine's flattened planes
  (:func:`~convpool._engine.direct.planar`) on its thread pool, for many
  channels one im2col GEMM per block.
* The gradient with respect to the *padded* images is folded back onto the
  source cells with the exact adjoint of :func:`numpy.pad`'s ``pad_mode``.
* Pooling, block by block on the engine's thread pool: average and sum spread
  each window's gradient over its taps with the same tap views; max and min
  compare every tap with the block's forward result from the engine's
  :func:`~convpool._engine.pool_windows` and hand the gradient to the first
  winner in row-major window order.

Working memory beyond the results is bounded as in the forward pass: the
batch goes through in blocks (:func:`~convpool._engine.blocking.batch_blocks`;
a few MiB for the tap loops, :data:`IM2COL_BLOCK_BYTES` for an im2col kernel
gradient, :data:`CONVOLVE_CALL_BYTES` per convolve call whose result needs
folding), never as a whole im2col matrix.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

from . import _validate as check
from ._dispatch import routed
from ._engine import pool_windows, tiles
from ._engine.blocking import BLOCK_BYTES, batch_blocks, pad_block, tap_view
from ._engine.direct import FLAT_BLOCK_BYTES, planar
from ._engine.grouped import dense_kernels, depthwise_backward, group_diagonal
from ._engine.pooling import neutral_fill
from ._engine.scratch import scratch
from ._engine.threads import resolve_threads, run_blocks
from ._shapes import AxisGeometry, average_divisor
from .conv import convolve

__all__ = ["convolve_backward", "pool_backward"]


# --------------------------------------------------------------------------- convolution


@routed("grad_output", "images")
def convolve_backward(
    grad_output,
    images,
    kernels,
    padding="same",
    stride=(1, 1),
    *,
    dilation=(1, 1),
    pad_mode: str = "constant",
    pad_value: float = 0,
    dtype=None,
    groups: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Gradients of :func:`convpool.convolve` with respect to its images and kernels.

    For ``out = convolve(images, kernels, padding, stride, ...)`` and a loss
    ``L`` with ``grad_output = dL/dout``::

        grad_kernels[a, b, k, o] = sum_{n, i, j} xp[n, i*sh + a*dh, j*sw + b*dw, k] * g[n, i, j, o]
        grad_xp[n, p, q, k] = sum_{o; i*sh + a*dh = p; j*sw + b*dw = q} g[n, i, j, o] * kernels[a, b, k, o]

    with ``g = grad_output``, and ``grad_images`` is ``grad_xp`` folded back through the padding: each
    padded cell's gradient goes to the input cell ``np.pad`` copied it from
    (``'constant'`` cells depend on no input and are dropped).

    Parameters
    ----------
    grad_output : array_like, shape (m, oh, ow, nc)
        Gradient of the loss with respect to the forward output; its shape must
        be exactly the forward output's.
    images, kernels, padding, stride, dilation, pad_mode, pad_value, groups
        Exactly as given to :func:`convpool.convolve` (every padding form,
        stride, dilation, pad mode and group count it accepts). With
        ``groups = G`` the formulas above run over the group's channels only:
        ``k`` is ``g*cg + k'`` for output ``o`` of group ``g = o // (nc // G)``.
    dtype : {None, numpy.float32, numpy.float64}, default None
        The floating type the work is done in and returned, as in
        :func:`convpool.convolve`; ``None``: the rules under Returns.

    Returns
    -------
    grad_images : ndarray, shape (m, h, w, c)
    grad_kernels : ndarray, shape (kh, kw, c // groups, nc)
        New arrays of ``dtype``; by default the floating type NumPy promotes
        images, kernels and grad_output to (float32 stays float32); integers
        and bools alone give float64, float16 gives float32.

    Raises
    ------
    TypeError, ValueError
        Whatever :func:`convpool.convolve` raises for the same arguments, and a
        ``ValueError`` showing both shapes when ``grad_output`` does not have
        the forward output's shape.

    Notes
    -----
    Along each axis ``oh = (h + top + bottom - (kh - 1) * dh - 1) // sh + 1``.
    ``kernels -> convolve(x, kernels)`` is linear, and ``grad_kernels`` is its
    adjoint: ``<convolve(x, k), g> == <k, grad_kernels>`` (constant pad cells
    enter with their ``pad_value``). ``images -> convolve(images, k)`` is linear
    when ``pad_value == 0``, and then ``<convolve(x, k), g> == <x, grad_images>``.
    The cost is about twice the forward pass: one correlation-sized pass for
    each gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from convpool import convolve_backward
    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> k = np.ones((2, 2, 1, 1))
    >>> gx, gk = convolve_backward(np.ones((1, 2, 2, 1)), x, k, padding="valid")
    >>> gx[0, :, :, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> gk[:, :, 0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    """
    images, kernels, geometry, mode, fill = check.conv_arguments(
        images, kernels, padding, stride, dilation, pad_mode, pad_value, groups
    )
    expected = (images.shape[0], geometry[0].out, geometry[1].out, kernels.shape[3])
    grad = _grad_output(grad_output, expected, "(m, oh, ow, nc)")
    dtype = check.compute_dtype(dtype, images.dtype, kernels.dtype, grad.dtype)
    if groups != 1:
        return _grouped_grads(grad, images, kernels, geometry, mode, fill, dtype, groups)

    weights = kernels.astype(dtype, copy=False)
    grad_kernels = _kernels_grad(grad, images, weights, geometry, mode, fill, dtype)
    grad_images = _images_grad(grad, weights, geometry, mode, images.shape, dtype)
    return grad_images, grad_kernels


def _grouped_grads(grad, images, kernels, geometry, mode, fill, dtype, groups: int):
    """Depthwise: its own tap loop; other groups: the dense block-diagonal kernels' gradients, cut back."""
    if kernels.shape[2] == 1:
        padded, grad_kernels = depthwise_backward(grad, images, kernels, geometry, mode, fill, dtype)
        return np.ascontiguousarray(_fold_padding(padded, geometry, mode)), grad_kernels
    weights = dense_kernels(kernels, groups).astype(dtype, copy=False)
    grad_kernels = _kernels_grad(grad, images, weights, geometry, mode, fill, dtype)
    grad_images = _images_grad(grad, weights, geometry, mode, images.shape, dtype)
    return grad_images, group_diagonal(grad_kernels, groups)


def _grad_output(value, expected: tuple, layout: str) -> np.ndarray:
    """``grad_output`` checked to be numeric with exactly the forward output's shape."""
    grad = check.as_array(value, "grad_output", 4, layout)
    if grad.shape != tuple(expected):
        raise ValueError(
            f"grad_output must have the forward output's shape {tuple(expected)} {layout}, got shape {grad.shape}"
        )
    return grad


#: Bytes of batch per call of the forward :func:`~convpool.convolve` when the
#: input gradient needs folding: large enough that an engine's own blocking and
#: threads run on long stretches, small enough that the fold stays in cache
#: (4 MiB calls were 10% faster with the tap-loop engine, 64 MiB 10% slower).
CONVOLVE_CALL_BYTES = 16 * 1024 * 1024


#: Working set of one block of the tap loops (kernel gradient and strided input gradient).
TAP_BLOCK_BYTES = BLOCK_BYTES


def _kernels_grad(grad, images, weights, geometry, pad_mode, pad_value, dtype) -> np.ndarray:
    """``grad_kernels`` (kh, kw, c, nc), accumulated over blocks of a few MiB of the batch.

    An image too big for a block is cut into the engine's spatial tiles
    (:mod:`~convpool._engine.tiles`): each tile's output gradient against its
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
    """:func:`_kernels_grad` over batch blocks (one image, or one tile, at the least)."""
    gh, gw = geometry
    kh, kw, c, nc = weights.shape
    if gh.stride == gw.stride == 1 and c * nc <= DOT_WEIGHTS:
        return _kernels_grad_flat(grad, images, weights.shape, geometry, pad_mode, pad_value, dtype)
    im2col = c * nc >= IM2COL_WEIGHTS
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

    The forward engine's trick (:func:`~convpool._engine.direct.planar`) in
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


def _images_grad(grad, weights, geometry, pad_mode: str, shape, dtype) -> np.ndarray:
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
    """
    gh, gw = geometry
    unpadded = gh.padded == gh.size and gw.padded == gw.size
    c, nc = weights.shape[2:]
    if _uses_convolution(geometry):
        flipped = weights[::-1, ::-1].transpose(0, 1, 3, 2)  # (kh, kw, nc, c)
        dilation = (gh.dilation, gw.dilation)
        if unpadded or pad_mode == "constant":
            # Constant pad cells are dropped, so only the unpadded rows and columns
            # are needed: one call, no fold (see _cropped_full).
            cropped, pads = _cropped_full(grad, geometry)
            return convolve(cropped.astype(dtype, copy=False), flipped, pads, 1, dilation=dilation)
        full = ((gh.extent - 1,) * 2, (gw.extent - 1,) * 2)
        out = np.empty(shape, dtype=dtype)
        per_image = (gh.padded * gw.padded * c + gh.out * gw.out * nc) * dtype.itemsize
        for rows in batch_blocks(shape[0], per_image, CONVOLVE_CALL_BYTES):
            g = grad[rows].astype(dtype, copy=False)
            out[rows] = _fold_padding(convolve(g, flipped, full, 1, dilation=dilation), geometry, pad_mode)
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
        out[rows] = _fold_padding(padded, geometry, pad_mode)

    run_blocks(work, list(batch_blocks(shape[0], per_image, TAP_BLOCK_BYTES)), resolve_threads(None))
    return out


#: From this many kernel weights per tap (``c * nc``) on, the kernel gradient is
#: one GEMM per block over the block's im2col matrix instead of one per tap.
#: Such GEMMs have a huge inner size and a small result; many of them in a row
#: stall badly under OpenBLAS threads when other processes share the cores
#: (measured 10-20x slower), one larger GEMM per block does not.
IM2COL_WEIGHTS = 256

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
    if c * nc >= IM2COL_WEIGHTS:
        columns = np.empty(grad.shape[:3] + (kh * kw, c), dtype=grad.dtype)
        for a in range(kh):
            for b in range(kw):
                np.copyto(columns[..., a * kw + b, :], tap_view(padded, geometry, a, b))
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
    """Whether :func:`_images_grad` calls the forward convolution: stride 1."""
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


def _fold_padding(grad_padded: np.ndarray, geometry, pad_mode: str) -> np.ndarray:
    """Adjoint of padding: fold the gradient of a padded block back onto its source cells.

    ``grad_padded`` has shape (b, H, W, c) with ``H = top + h + bottom``; the
    result, shape (b, h, w, c), is a view of it, which this overwrites
    (callers pass a scratch array and copy the result out).

    ``np.pad`` with a non-constant mode copies every padded cell from one
    input cell, axis by axis (``edge``: the nearest edge cell; ``reflect``:
    mirrored, edge not repeated; ``symmetric``: mirrored, edge repeated;
    ``wrap``: periodic). Its adjoint adds each padded
    cell's gradient to that source cell. The source of every cell is found by
    padding ``arange(h)`` with the same mode, so the fold is exact for every
    pad width ``np.pad`` accepts. Constant cells have no source: dropped.
    """
    for axis, g in ((1, geometry[0]), (2, geometry[1])):
        grad_padded = _fold_axis(grad_padded, axis, g, pad_mode)
    return grad_padded


def _fold_axis(grad_padded: np.ndarray, axis: int, g: AxisGeometry, pad_mode: str) -> np.ndarray:
    """Fold one axis in place: returns a view of ``grad_padded`` (a scratch array) without the padding."""
    inner = [slice(None)] * grad_padded.ndim
    inner[axis] = slice(g.before, g.before + g.size)
    result = grad_padded[tuple(inner)]
    if pad_mode == "constant" or g.before + g.after == 0:
        return result
    source = np.pad(np.arange(g.size), (g.before, g.after), mode=pad_mode)
    here = [slice(None)] * grad_padded.ndim
    there = [slice(None)] * grad_padded.ndim
    # Padded cells lie outside ``result``'s slice, so adding them into it in place is safe.
    for p in chain(range(g.before), range(g.before + g.size, g.padded)):
        here[axis] = source[p]
        there[axis] = p
        result[tuple(here)] += grad_padded[tuple(there)]
    return result


# --------------------------------------------------------------------------- pooling


@routed("grad_output", "images")
def pool_backward(
    grad_output,
    images,
    kernel_shape,
    stride,
    mode: str = "max",
    *,
    padding="valid",
    count_include_pad: bool = False,
    dtype=None,
    dilation=1,
    ceil_mode: bool = False,
) -> np.ndarray:
    """Gradient of :func:`convpool.pool` with respect to its images.

    Every window passes its ``grad_output`` cell back to the cells it read:

    * ``'max'`` / ``'min'``: all of it to the one cell that won. A tie goes to
      the **first** winner in window order (row-major: top row first, left to
      right), as in PyTorch; a NaN wins over numbers (the forward result is
      NaN), the first NaN if there are several.
    * ``'avg'``: ``grad_output / count`` to every real cell, with the same
      ``count`` the forward pass divided by (the real cells in the window, or
      with ``count_include_pad=True`` its taps inside the padded image:
      ``kh * kw`` unless ``ceil_mode`` cut the window).
    * ``'sum'``: ``grad_output`` to every real cell.

    Padded cells never receive gradient. Where windows overlap (stride smaller
    than the window) a cell's gradients from all its windows add up.

    Parameters
    ----------
    grad_output : array_like, shape (m, oh, ow, c)
        Gradient of the loss with respect to the pooled output; exactly the
        forward output's shape.
    images, kernel_shape, stride, mode, padding, count_include_pad, dilation, ceil_mode
        Exactly as given to :func:`convpool.pool`.
    dtype : {None, numpy.float32, numpy.float64}, default None
        The floating type the work is done in and returned; ``None``: the
        rules under Returns. Max/min winners are found in the images' own
        dtype, so the gradient goes to the same cell whatever ``dtype``.

    Returns
    -------
    ndarray, shape (m, h, w, c)
        A new array of ``dtype``; by default the floating type NumPy promotes
        images and grad_output to (float32 stays float32, uint8 images with a
        float32 gradient give float32); integers and bools alone give float64,
        float16 float32.

    Raises
    ------
    TypeError, ValueError
        Whatever :func:`convpool.pool` raises for the same arguments, and a
        ``ValueError`` showing both shapes when ``grad_output`` does not have
        the forward output's shape.

    Notes
    -----
    ``oh = (h + top + bottom - (kh - 1) * dh - 1) // sh + 1``, likewise ``ow``;
    with ``ceil_mode`` rounded up as described in :func:`convpool.pool`.

    Examples
    --------
    >>> import numpy as np
    >>> from convpool import pool_backward
    >>> x = np.array([[1.0, 3.0], [3.0, 2.0]]).reshape(1, 2, 2, 1)
    >>> pool_backward(np.ones((1, 1, 1, 1)), x, 2, 2, mode="max")[0, :, :, 0]
    array([[0., 1.],
           [0., 0.]])
    >>> pool_backward(np.ones((1, 1, 1, 1)), x, 2, 2, mode="avg")[0, :, :, 0]
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    images, geometry, mode, include, _ = check.pool_arguments(
        images, kernel_shape, stride, mode, padding, count_include_pad, None, dilation, ceil_mode
    )
    expected = (images.shape[0], geometry[0].out, geometry[1].out, images.shape[3])
    grad = _grad_output(grad_output, expected, "(m, oh, ow, c)")
    dtype = check.compute_dtype(dtype, images.dtype, grad.dtype)

    gh, gw = geometry
    divisor = average_divisor(geometry, include).astype(dtype) if mode == "avg" else None
    unpadded = gh.padded == gh.size and gw.padded == gw.size
    # Windows that tile the image exactly write every cell once: no zero fill needed.
    tiled = unpadded and _tiles(geometry, images.shape[1:3])
    grad_images = np.empty(images.shape, dtype=dtype)
    # padded block and its gradient; per window: a hit mask and the taken mask per tap, the block's best
    cell, grad_cell = images.dtype.itemsize, dtype.itemsize
    window = 2 + cell + 2 * grad_cell
    per_image = (gh.padded * gw.padded * (cell + grad_cell) + gh.out * gw.out * window) * images.shape[3]

    def work(rows: slice) -> None:
        g = grad[rows].astype(dtype, copy=False)
        if divisor is not None:
            g = g / divisor
        if unpadded:
            out = grad_images[rows]
            if not tiled:
                out[...] = 0
        else:
            out = np.zeros((len(g), gh.padded, gw.padded, g.shape[3]), dtype)
        if mode in ("max", "min"):
            # The forward result of this block only, while it is in cache; this thread does all of it.
            best = pool_windows(images[rows], geometry, mode, False, images.dtype, 1)
            _winner_grad(images[rows], best, g, geometry, mode, out)
        else:
            _spread_grad(g, geometry, out)
        if not unpadded:
            grad_images[rows] = _fold_padding(out, geometry, "constant")

    run_blocks(work, list(batch_blocks(images.shape[0], per_image, POOL_BLOCK_BYTES)), resolve_threads(None))
    return grad_images


#: Working set of one block of the pooling backward pass (the engine's default).
POOL_BLOCK_BYTES = BLOCK_BYTES


def _spread_grad(grad, geometry, out) -> None:
    """Every tap of every window adds its window's gradient into ``out`` (the padded block's).

    The transpose of a sum pool. ``out`` starts at zero, except where the
    windows tile it exactly (each cell in one window): then each tap's cells
    are written once, by a copy.
    """
    gh, gw = geometry
    tiled = _tiles(geometry, out.shape[1:3])
    for a in range(gh.kernel):
        for b in range(gw.kernel):
            view = tap_view(out, geometry, a, b)
            if tiled:
                np.copyto(view, grad)
            else:
                view += grad


def _tiles(geometry, padded_shape) -> bool:
    """Whether the windows cover every cell of the padded block exactly once."""
    return all(g.kernel == g.stride and g.out * g.stride == n for g, n in zip(geometry, padded_shape, strict=True))


def _winner_grad(block, best, grad, geometry, mode: str, out) -> None:
    """Add the gradient of a max (min) pool into ``out`` (the padded block's): all to the first winner.

    ``best`` (b, oh, ow, c) is the block's forward result, from the engine; a tap
    *hits* where its cell equals ``best``. The taps are visited in row-major
    window order and a tap takes the window's gradient where it hits and no
    earlier tap has (``taken``), so with ties the first winner gets it all, as
    in PyTorch. ``out`` starts at zero, except where the windows tile it
    exactly: then each tap writes its cells once.
    """
    gh, gw = geometry
    loser = neutral_fill(block.dtype, mode)
    padded = pad_block(block, geometry, "constant", loser, block.dtype)
    # np.maximum/minimum propagate NaN, which equals nothing: then a NaN cell is the winner.
    nan = block.dtype.kind == "f" and bool(np.isnan(best).any())
    # A padded cell holds ``loser`` and can only tie a window whose real cells all hold it too.
    real = _real_taps(gh), _real_taps(gw)
    guard = gh.before + gh.after + gw.before + gw.after > 0 and bool((best == loser).any())
    # Multiplying by a 0/1 mask is several times faster than a masked copy, but inf * 0 is NaN.
    finite = grad.dtype.kind != "f" or bool(np.isfinite(grad).all())
    tiled = _tiles(geometry, out.shape[1:3])
    share = None if tiled else np.empty_like(grad)
    taken = None
    for a in range(gh.kernel):
        for b in range(gw.kernel):
            cells = tap_view(padded, geometry, a, b)
            hit = np.equal(cells, best)
            if nan:
                hit |= np.isnan(cells)
            if guard:
                hit &= (real[0][:, a, None] & real[1][None, :, b])[:, :, None]  # (oh, ow, 1)
            last = a == gh.kernel - 1 and b == gw.kernel - 1
            if taken is None:
                taken = hit if last else hit.copy()
            else:
                np.greater(hit, taken, out=hit)  # hit and not taken by an earlier tap
                if not last:  # no later tap asks
                    taken |= hit
            _take(tap_view(out, geometry, a, b), grad, hit, finite, share)


def _take(target, grad, first, finite: bool, share) -> None:
    """``target += grad`` where ``first``; ``share`` is scratch, or ``None`` when ``target`` is unwritten.

    ``None`` means the windows tile the block: ``target`` is written here
    once, with ``grad * first`` (or a masked copy when ``grad`` holds
    non-finite values, as ``inf * 0`` is NaN).
    """
    if share is None:
        if finite:
            np.multiply(grad, first, out=target)
        else:
            target[...] = 0
            np.copyto(target, grad, where=first)
        return
    if finite:
        np.multiply(grad, first, out=share)
        target += share
    else:
        np.add(target, grad, out=target, where=first)


def _real_taps(g: AxisGeometry) -> np.ndarray:
    """``real[i, a]``: tap ``a`` of window ``i`` reads an input cell, not padding (shape (out, kernel))."""
    cells = np.arange(g.out)[:, None] * g.stride + np.arange(g.kernel) * g.dilation - g.before
    return (cells >= 0) & (cells < g.size)
