"""Chunk plans along one spatial axis: which outputs each output chunk holds and what it reads.

NumPy only. The arithmetic of a band (its input cells, its halo, its own
padding) is :func:`convpool._plan._shapes.band`, the same as the engine's tiles;
this module only decides where output chunks start and which input chunks a
band needs.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..._plan._shapes import AxisGeometry, band, source_cells


class AxisBand(NamedTuple):
    """One output chunk along one spatial axis.

    ``out`` outputs, computed from the concatenation of ``pieces``: pairs
    (input chunk, slice of it), in order, only the cells the band reads (a
    thin strip of a neighbour for the halo). Of that concatenation the chunk
    function reads cells ``take`` (all of them in order, or an index array
    for the wrapped/reflected cells of a global pad mode) and adds ``pads``
    = (before, after) cells of constant padding.
    """

    out: int
    pieces: tuple[tuple[int, slice], ...]
    take: slice | np.ndarray
    pads: tuple[int, int]


def anchors(g: AxisGeometry) -> np.ndarray:
    """The input cell each output is filed under: its window's centre, clipped to the axis.

    ``anchor[j] = clip(j * stride - before + (extent - 1) // 2, 0, size - 1)``; for
    ``'same'`` at stride 1 that is ``j`` itself, so output chunks equal input chunks.
    """
    centre = np.arange(g.out) * g.stride - g.before + (g.extent - 1) // 2
    return np.clip(centre, 0, g.size - 1)


def output_ranges(chunks: tuple[int, ...], g: AxisGeometry) -> list[tuple[int, int]]:
    """Output ranges ``[lo, hi)``, one per input chunk that has outputs filed under it.

    An input chunk narrower than the stride may own no output: it gets no
    output chunk. A range whose windows read only padding is merged into
    its neighbour (a chunk function always gets at least one input cell).
    """
    bounds = np.cumsum((0, *chunks))
    owner = np.searchsorted(bounds, anchors(g), side="right") - 1
    edges = [0, *(np.flatnonzero(np.diff(owner)) + 1).tolist(), g.out]
    ranges: list[tuple[int, int]] = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        if ranges and band(g, *ranges[-1])[1].size == 0:
            lo = ranges.pop()[0]
        ranges.append((lo, hi))
    if len(ranges) > 1 and band(g, *ranges[-1])[1].size == 0:
        hi = ranges.pop()[1]
        ranges[-1] = (ranges[-1][0], hi)
    return ranges


def axis_bands(chunks: tuple[int, ...], g: AxisGeometry, pad_mode: str) -> list[AxisBand]:
    """The output chunks of one spatial axis and how each reads its input.

    ``'constant'`` padding (and pooling's neutral padding) is added by the
    chunk function with the band's own per-side padding. Every other mode
    is global: a band at the image edge gathers its padded cells through the
    index map ``np.pad(np.arange(size), (before, after), mode)``, so a
    reflected or wrapped cell comes from wherever it is in the whole axis,
    and the chunk function pads nothing.
    """
    bounds = np.cumsum((0, *chunks))
    index_map = None
    if pad_mode != "constant":
        index_map = source_cells(g, pad_mode)
    result = []
    for lo, hi in output_ranges(chunks, g):
        if index_map is None:
            span, own = band(g, lo, hi)
            cells, pads = np.arange(span.start, span.stop), (own.before, own.after)
        else:
            cells, pads = index_map[lo * g.stride : (hi - 1) * g.stride + g.extent], (0, 0)
        result.append(_read(cells, bounds, hi - lo, pads))
    return result


def _read(cells: np.ndarray, bounds: np.ndarray, out: int, pads) -> AxisBand:
    """The pieces of input chunks that hold ``cells``, and where the cells lie in their concatenation."""
    owner = np.searchsorted(bounds, cells, side="right") - 1
    pieces, offset, base = [], {}, 0
    for k in np.unique(owner).tolist():
        inside = cells[owner == k] - bounds[k]
        first, last = int(inside.min()), int(inside.max()) + 1
        pieces.append((k, slice(first, last)))
        offset[k] = base - first
        base += last - first
    local = cells + np.array([offset[k] - bounds[k] for k in owner.tolist()], dtype=np.intp)
    take: slice | np.ndarray = local
    if np.array_equal(local, np.arange(len(local))):
        take = slice(0, len(local))
    return AxisBand(out, tuple(pieces), take, (int(pads[0]), int(pads[1])))
