"""Spatial tiles: one image too big for a block is cut into bands of output rows and columns.

The engine's unit of work is a *tile*: one image of the batch and a range of
output rows ``[r0, r1)`` and columns ``[c0, c1)``. The tile reads the input
cells those outputs need (its halo, from :func:`convpool._plan._shapes.band`, the
arithmetic the Dask chunk plans use too), is computed as a small image of its
own geometry by the same method, and is copied into its place in the result.
Tiles are independent, so they run on the engine's threads like batch blocks,
and they are cut the same way whatever the thread count.

Padding near a tile's edge must be the *whole* image's padding:

* ``constant``: the tile reads its input rows and gets the part of the
  padding that falls in its range (``band``'s ``before``/``after``);
* ``edge``, ``reflect``, ``symmetric``, ``wrap``: the padded rows the tile
  reads are gathered through the index map
  ``np.pad(np.arange(size), (before, after), mode)``, exact for whatever
  ``np.pad`` does (pads longer than the image included), and the tile's axis
  then has no padding of its own.

Every tile computes each output with the same operations in the same order as
the untiled call (the direct tap loop and pooling take their tap order from
the whole image; im2col computes each output by itself), so tiling
does not change a bit, except for the FFT, whose transform size is the tile's
(its result differs from the untiled one by rounding only).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..._plan._shapes import AxisGeometry, band, bands, source_cells
from .threads import run_blocks

#: An image is tiled when the working set of computing it whole would exceed
#: this; smaller images (every batch workload) keep the batch-block path.
TILE_FROM_BYTES = 16 * 1024 * 1024

#: Fewest output rows a tile is cut to before its columns are split too.
MIN_ROWS = 16


def interior(g: AxisGeometry, outputs: int) -> AxisGeometry:
    """The geometry of ``outputs`` outputs inside the axis: their halo, no padding."""
    size = (outputs - 1) * g.stride + g.extent
    return AxisGeometry(size, g.kernel, g.stride, g.dilation, 0, 0, outputs)


def plan(geometry, cost: Callable[[tuple], int], budget: int, threshold: int | None = None) -> list | None:
    """Output ranges ``((r0, r1), (c0, c1))`` of tiles costing about ``budget`` bytes each.

    ``cost(geometry)`` is the working set of one image of that geometry.
    ``None`` when the whole image costs at most ``threshold`` (default
    :data:`TILE_FROM_BYTES`) or ``budget``: it is not tiled. Full-width bands of output rows come first;
    only when :data:`MIN_ROWS` rows are over budget are the columns split too.
    """
    gh, gw = geometry
    if cost(geometry) <= max(budget, TILE_FROM_BYTES if threshold is None else threshold):
        return None
    rows, cols = gh.out, gw.out
    # A tile's outputs never span less than its halo: past that, halving a tile barely shrinks what it
    # reads, and the tile count would grow with the square of the dilation (a 3x3 kernel dilated 100
    # on a 2000x2000 image made 3600 tiles and took 3.4 s; 16 tiles take 0.1 s).
    fh, fw = halo_floor(gh), halo_floor(gw)
    # rows down to MIN_ROWS, then columns, then both down to the halo's floor
    for least_rows, least_cols in ((max(MIN_ROWS, fh), cols), (max(MIN_ROWS, fh), max(MIN_ROWS, fw)), (fh, fw)):
        while rows > least_rows and cost((interior(gh, rows), interior(gw, cols))) > budget:
            rows = max(least_rows, rows // 2)
        while cols > least_cols and cost((interior(gh, rows), interior(gw, cols))) > budget:
            cols = max(least_cols, cols // 2)
    return [(r, c) for r in bands(gh, rows) for c in bands(gw, cols)]


def halo_floor(g: AxisGeometry) -> int:
    """Fewest outputs a tile keeps along ``g``: as many as its halo (``extent - stride`` cells) spans, at least 1."""
    return max(1, -(-(g.extent - g.stride) // g.stride))


def pad_maps(geometry, pad_mode: str) -> tuple:
    """Per axis, the padded axis's source cell for each padded cell (``None`` for ``constant``)."""
    if pad_mode == "constant":
        return None, None
    return tuple(source_cells(g, pad_mode) for g in geometry)


def axis_source(g: AxisGeometry, lo: int, hi: int, source) -> tuple:
    """The input cells outputs ``[lo, hi)`` read along one axis, and their geometry.

    Returns ``(index, geometry)``: a slice and ``band``'s geometry when
    ``source`` is ``None`` (constant padding), else the rows of the index map
    ``source`` the band's padded range covers and an unpadded geometry. The
    whole axis is returned as it is.
    """
    if lo == 0 and hi == g.out:
        return slice(None), g
    if source is None:
        return band(g, lo, hi)
    cells = source[lo * g.stride : (hi - 1) * g.stride + g.extent]
    return cells, AxisGeometry(len(cells), g.kernel, g.stride, g.dilation, 0, 0, hi - lo)


def tile_input(image, geometry, rows: tuple[int, int], cols: tuple[int, int], maps) -> tuple[np.ndarray, tuple]:
    """The input of one tile of ``image`` (1, h, w, c) and the tile's geometry.

    A view for constant padding; a gathered copy of the tile's cells otherwise.
    """
    row_index, gh = axis_source(geometry[0], *rows, maps[0])
    col_index, gw = axis_source(geometry[1], *cols, maps[1])
    tile = image[:, row_index] if isinstance(row_index, slice) else image.take(row_index, axis=1)
    tile = tile[:, :, col_index] if isinstance(col_index, slice) else tile.take(col_index, axis=2)
    return tile, (gh, gw)


def run_tiles(compute, images, geometry, out, tiles, pad_mode: str, threads: int) -> np.ndarray:
    """Fill ``out`` (m, oh, ow, nc) tile by tile: ``compute(tile_images, tile_geometry)``.

    ``compute`` returns the tile's (1, r1 - r0, c1 - c0, nc) result. The
    units are every (image, tile) pair, on up to ``threads`` threads.
    """
    maps = pad_maps(geometry, pad_mode)
    units = [(n, rows, cols) for n in range(images.shape[0]) for rows, cols in tiles]

    def work(unit) -> None:
        n, rows, cols = unit
        tile, tile_geometry = tile_input(images[n : n + 1], geometry, rows, cols, maps)
        out[n : n + 1, rows[0] : rows[1], cols[0] : cols[1]] = compute(tile, tile_geometry)

    run_blocks(work, units, threads)
    return out
