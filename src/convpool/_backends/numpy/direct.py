"""Direct cross-correlation: a loop over kernel taps, each a multiply-add of a shifted view.

For each block of images, each output channel ``o`` and each non-zero tap
``(a, b, k)``::

    out[n, i, j, o] += kernels[a, b, k, o] * x[n, i*sh + a*dh - top, j*sw + b*dw - left, k]

over the outputs whose input cell is real (zero padding is never built; see
``taps``). Only the strided outputs are computed. Weights of +-1 cost one pass
and zero weights none; a rank-1 single-channel kernel ``u v^T`` runs as two 1-D
passes (``kw`` taps along rows, then ``kh`` along columns) instead of ``kh * kw``.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from .blocking import batch_blocks, pad_block, pad_into
from .scratch import scratch
from .taps import axpy, covers, lead_span, lead_tap, tap_span, unpadded
from .threads import run_blocks

#: Working set one strided direct block aims for. Blocks the size of a core's L2 (512 KiB) lost 1.4-4.4x: a
#: block makes a few short ufunc calls, and two threads on short calls spend their time handing over the
#: GIL (two threads were slower than one). Measured 2026-12-07 on (50000, 28, 28) 3x3 stride 2,
#: (4, 2000, 2000, 1) 5x5, (2000, 64, 64, 3) and (500, 64, 64, 8) float32: best at 4-8 MiB (L3 holds 32).
DIRECT_BLOCK_BYTES = 4 * 1024 * 1024
#: Working set of a stride-1 block on flattened planes: best at 8-16 MiB on the same grid (S0-S2, S5, a
#: (4, 2000, 2000, 1) 5x5), 1.4-1.8x faster than 2 MiB with two threads; 32 MiB was slower again.
FLAT_BLOCK_BYTES = 8 * 1024 * 1024


def rank1(kernel2d: np.ndarray, dtype: np.dtype):
    """``(u, v)`` with ``kernel2d == outer(u, v)`` up to rounding of ``dtype``, else ``None``.

    Only worth it when both sides have more than one tap, and only for finite
    weights: the split divides by a weight, and ``inf / inf`` is NaN.
    """
    return rank1_all(kernel2d[:, :, None], dtype)[0]


def rank1_all(kernels3: np.ndarray, dtype: np.dtype) -> list[tuple[np.ndarray, np.ndarray] | None]:
    """:func:`rank1` of every ``kernels3[:, :, o]`` (shape (kh, kw, n)) at once: a list of ``(u, v)`` or ``None``.

    The split: ``v`` the row holding the largest weight, ``u`` the column of
    ``v``'s largest entry divided by it; kept where ``outer(u, v)`` equals the
    kernel within ``8 eps`` of its largest weight. One vectorised pass: a
    kernel of 3 x 3 x 1 x 128 costs one call, not 128.
    """
    kh, kw, n = kernels3.shape
    if kh < 2 or kw < 2:
        return [None] * n
    k = np.moveaxis(kernels3.astype(np.float64), 2, 0)  # (n, kh, kw)
    every = np.arange(n)
    finite = cast(np.ndarray, np.isfinite(k).all(axis=(1, 2)))  # NumPy's stubs allow a scalar here
    k = np.where(finite[:, None, None], k, 0.0)
    v = k[every, np.argmax(np.abs(k).max(axis=2), axis=1)]  # (n, kw)
    pivot = v[every, np.argmax(np.abs(v), axis=1)]
    col = np.argmax(np.abs(v), axis=1)
    safe = np.where(pivot == 0, 1.0, pivot)
    u = k[every, :, col] / safe[:, None]  # (n, kh)
    tolerance = 8 * np.finfo(dtype).eps * np.abs(k).max(axis=(1, 2))
    exact = np.abs(u[:, :, None] * v[:, None, :] - k).max(axis=(1, 2)) <= tolerance
    keep = finite & (pivot != 0) & exact
    # the factors in the compute dtype: a float64 weight would make every float32 pass compute in float64
    # (NumPy 2 promotes to a float64 scalar's type), 1.4-2x slower than the float64 passes themselves
    u, v = u.astype(dtype), v.astype(dtype)
    return [(u[o], v[o]) if keep[o] else None for o in range(n)]


def _pass(dst_of, src_of, scratch_of, weights, g, whole=None) -> None:
    """One axis of taps: ``dst[out] (+)= w[a] * src[in]`` for every non-zero ``w[a]``.

    ``dst_of``, ``src_of`` and ``scratch_of`` map a slice of the pass's axis
    (from :func:`tap_span`) to a view; outputs no tap reaches are zero.
    ``whole`` is the geometry of the whole axis when ``g`` is a tile's band
    of it: the taps are summed in the order the whole axis would use (see
    :func:`~convpool._backends.numpy.taps.lead_tap`), so a tile rounds like the whole image.
    """
    lead = lead_tap(whole or g, [a for a, w in enumerate(weights) if w != 0])
    reach = [(w, tap_span(g, a)) for a, w in enumerate(weights) if w != 0 and a != lead]
    spans = [(w, s) for w, s in reach if s is not None]
    full = [] if lead is None else [0]
    if lead is not None:  # start from a tap that writes every output: no zero fill needed
        spans.insert(0, (weights[lead], lead_span(g, lead)))
        if _pair_first(dst_of, src_of, g, spans):
            spans = spans[2:]
            full = []  # dst is initialised: every remaining tap accumulates
    else:
        dst_of(slice(None))[...] = 0
    for n, (w, (out_sl, in_sl)) in enumerate(spans):
        axpy(dst_of(out_sl), src_of(in_sl), w, bool(full) and n == 0, scratch_of(out_sl))


def _pair_first(dst_of, src_of, g, spans) -> bool:
    """Write ``dst = x0 + x1`` or ``x0 - x1`` in one pass when the first two taps are full and +-1.

    Saves the copy the first tap would otherwise cost (e.g. the ``[1, 0, -1]``
    difference is a single ``subtract``). Returns whether it did.
    """
    if len(spans) < 2 or not covers(g, spans[1][1]):
        return False
    (w0, (out_sl, in0)), (w1, (_, in1)) = spans[0], spans[1]
    return _pair_into(dst_of(out_sl), w0, src_of(in0), w1, src_of(in1))


def _pair_into(dst, w0, x0, w1, x1) -> bool:
    """``dst = w0 * x0 + w1 * x1`` in one pass if both weights are +-1 (not both -1)."""
    if w0 == 1 and w1 == 1:
        np.add(x0, x1, out=dst, dtype=dst.dtype)
    elif w0 == 1 and w1 == -1:
        np.subtract(x0, x1, out=dst, dtype=dst.dtype)
    elif w0 == -1 and w1 == 1:
        np.subtract(x1, x0, out=dst, dtype=dst.dtype)
    else:
        return False
    return True


def _flat_sum(dst, terms, scratch) -> None:
    """``dst = sum(w * x for w, x in terms)``: 1-D contiguous arrays of one length."""
    if not terms:
        dst[...] = 0
        return
    first = 0
    if len(terms) >= 2 and _pair_into(dst, terms[0][0], terms[0][1], terms[1][0], terms[1][1]):
        first = 2
    else:
        axpy(dst, terms[0][1], terms[0][0], True, scratch)
        first = 1
    for w, x in terms[first:]:
        axpy(dst, x, w, False, scratch)


def planar(block, geometry, pad_mode: str, pad_value, dtype) -> np.ndarray:
    """The padded block as contiguous planes, shape (c, b, hp, wp), cast to ``dtype``.

    No copy for a contiguous single-channel block that needs neither cast nor padding.
    """
    gh, gw = geometry
    b, h, w, c = block.shape
    if c == 1 and block.dtype == dtype and block.flags.c_contiguous and gh.padded == h and gw.padded == w:
        return block.reshape(1, b, h, w)
    planes = scratch("planes", (c, b, gh.padded, gw.padded), dtype)
    pad_into(planes.transpose(1, 2, 3, 0), block, geometry, pad_mode, pad_value)
    return planes


def _flat_block(out_block, planes, weights, factors, geometry, dtype) -> None:
    """Stride-1 correlation of one block on flattened planes (the "full-width" trick).

    Output ``(n, i, j)`` reads plane cell ``(n, i + a dh, j + b dw)``, i.e. flat
    index ``p + a dh wp + b dw`` with ``p = (n hp + i) wp + j``. So every tap is a
    single contiguous 1-D multiply-add over the whole block, computed for every
    ``p`` (including ``j >= ow``, thrown away), then the valid part is copied out.
    """
    gh, gw = geometry
    c, b, hp, wp = planes.shape
    flat = planes.reshape(c, -1)
    size = b * hp * wp
    reach = (gh.extent - 1) * wp + gw.extent - 1
    length = size - reach
    full = scratch("full", size, dtype)
    extra = scratch("extra", size, dtype)
    for o in range(weights.shape[3]):
        if factors[o] is not None:
            u, v = factors[o]
            rows = scratch("rows", size, dtype)
            span = size - (gw.extent - 1)
            _flat_sum(
                rows[:span],
                [(w, flat[0, t * gw.dilation : t * gw.dilation + span]) for t, w in enumerate(v) if w],
                extra[:span],
            )
            terms = [(w, rows[a * gh.dilation * wp : a * gh.dilation * wp + length]) for a, w in enumerate(u) if w]
        else:
            terms = [
                (w, flat[k, a * gh.dilation * wp + t * gw.dilation :][:length])
                for (a, t, k), w in np.ndenumerate(weights[..., o])
                if w
            ]
        grid = (b, gh.out, gw.out)
        if len(terms) >= 3 and abs(terms[-1][0]) == 1:
            # the last +-1 tap writes straight into the output: no separate copy-out pass
            _flat_sum(full[:length], terms[:-1], extra[:length])
            combine = np.add if terms[-1][0] == 1 else np.subtract
            combine(_as_grid(full, grid, wp, hp), _as_grid(terms[-1][1], grid, wp, hp), out=out_block[..., o])
        else:
            _flat_sum(full[:length], terms, extra[:length])
            out_block[..., o] = full.reshape(b, hp, wp)[:, : gh.out, : gw.out]


def _as_grid(flat: np.ndarray, grid, wp: int, hp: int) -> np.ndarray:
    """The ``(b, oh, ow)`` outputs inside a flat full-width array (a strided view, no copy).

    Output ``(n, i, j)`` sits at ``(n * hp + i) * wp + j``; the last one is in
    bounds because ``oh <= hp`` and ``ow <= wp`` minus the kernel's reach.
    """
    step = flat.itemsize
    return np.lib.stride_tricks.as_strided(flat, shape=grid, strides=(hp * wp * step, wp * step, step), writeable=False)


def _taps_2d(dst, src, kernel3, gh, gw, scratch, whole=None) -> None:
    """``dst (b, oh, ow) = sum_{a, b, k} kernel3[a, b, k] * src[:, rows(a), cols(b), k]``.

    The first tap that reaches every output of the ``whole`` image (default:
    ``(gh, gw)``) goes first, the others follow in kernel order: a tile sums
    in the same order as the whole image, so it rounds the same.
    """
    wh, ww = whole or (gh, gw)
    nonzero = [(a, b, k) for (a, b, k), w in np.ndenumerate(kernel3) if w != 0]
    lead = next((t for t in nonzero if covers(wh, tap_span(wh, t[0])) and covers(ww, tap_span(ww, t[1]))), None)
    taps = []
    for a, b, k in ([lead] if lead else []) + [t for t in nonzero if t != lead]:
        sh, sw = tap_span(gh, a), tap_span(gw, b)
        if sh is not None and sw is not None:
            taps.append((kernel3[a, b, k], k, sh, sw))
    full = [0] if lead else []
    if not full:
        dst[...] = 0
    for n, (w, k, (oh_sl, ih_sl), (ow_sl, iw_sl)) in enumerate(taps):
        axpy(dst[:, oh_sl, ow_sl], src[:, ih_sl, iw_sl, k], w, bool(full) and n == 0, scratch[:, oh_sl, ow_sl])


def _separable(dst, src, u, v, gh, gw, dtype, whole=None) -> None:
    """``dst (b, oh, ow)`` from single-channel ``src (b, h, w, 1)`` as a row pass then a column pass.

    ``whole``: the whole image's ``(gh, gw)`` when this is a tile (see :func:`_pass`).
    """
    wh, ww = whole or (gh, gw)
    b, h = src.shape[:2]
    plane = src[..., 0]
    rows = scratch("rows", (b, h, gw.out), dtype)
    spare = scratch("extra", (b, max(h, gh.out), gw.out), dtype)
    _pass(lambda sl: rows[:, :, sl], lambda sl: plane[:, :, sl], lambda sl: spare[:, :h, sl], v, gw, ww)
    _pass(lambda sl: dst[:, sl, :], lambda sl: rows[:, sl, :], lambda sl: spare[:, sl, :], u, gh, wh)


def working_bytes(kernels, geometry, c: int, dtype: np.dtype) -> tuple[int, int]:
    """``(bytes, budget)``: one image's working set in the tap loop, and the block size it aims for.

    Stride 1: ``c + 4`` padded planes (the planes, the full-width sum, its
    scratch and the row pass); else the padded image and three output-sized
    buffers. Plus the image's ``nc`` outputs.
    """
    gh, gw = geometry
    outputs = gh.out * gw.out * kernels.shape[3]
    if gh.stride == 1 and gw.stride == 1:
        return ((c + 4) * gh.padded * gw.padded + outputs) * dtype.itemsize, FLAT_BLOCK_BYTES
    cells = gh.padded * gw.padded * c + 3 * max(gh.padded, gh.out) * gw.out + outputs
    return cells * dtype.itemsize, DIRECT_BLOCK_BYTES


def correlate_direct(
    images, kernels, geometry, pad_mode: str, pad_value, dtype, threads: int, whole=None
) -> np.ndarray:
    """Batched cross-correlation by the tap loop; see the module docstring.

    ``whole`` is the whole image's geometry when ``images`` is a spatial tile
    of it (``geometry`` is then the tile's): the taps are summed in the whole
    image's order, so tiles give the untiled result bit for bit.
    """
    m, _, _, c = images.shape
    kh, kw, _, nc = kernels.shape
    gh, gw = geometry
    out = np.empty((m, gh.out, gw.out, nc), dtype=dtype)
    weights = kernels.astype(dtype, copy=False)
    # Zero padding stays virtual, unless a kernel weight is inf or NaN: 0 * inf is NaN, so it must be read.
    virtual = pad_mode == "constant" and pad_value == 0 and bool(np.isfinite(weights).all())
    vh, vw = (gh, gw) if virtual else (unpadded(gh), unpadded(gw))
    whole = tuple(whole or geometry)
    order = whole if virtual else tuple(unpadded(g) for g in whole)
    factors = rank1_all(weights[:, :, 0, :], dtype) if c == 1 else [None] * nc
    per_image = (gh.padded * gw.padded * c + 3 * max(gh.padded, gh.out) * gw.out) * dtype.itemsize

    if gh.stride == 1 and gw.stride == 1:
        per_plane = gh.padded * gw.padded * dtype.itemsize
        flat_image = (c + 4) * per_plane

        def flat_work(rows: slice) -> None:
            planes = planar(images[rows], geometry, pad_mode, pad_value, dtype)
            _flat_block(out[rows], planes, weights, factors, geometry, dtype)

        run_blocks(flat_work, list(batch_blocks(m, flat_image, FLAT_BLOCK_BYTES)), threads)
        return out

    def work(rows: slice) -> None:
        block = images[rows]
        src = block.astype(dtype, copy=False) if virtual else pad_block(block, geometry, pad_mode, pad_value, dtype)
        dst_all = out[rows]
        spare = scratch("full", dst_all.shape[:3], dtype)
        for o in range(nc):
            dst = dst_all[..., o]
            uv = factors[o]
            if uv is not None:
                _separable(dst, src, *uv, vh, vw, dtype, order)
            else:
                _taps_2d(dst, src, weights[..., o], vh, vw, spare, order)

    run_blocks(work, list(batch_blocks(m, per_image, DIRECT_BLOCK_BYTES)), threads)
    return out
