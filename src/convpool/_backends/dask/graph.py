"""Dask graphs whose tasks run the NumPy backend's operations on NumPy blocks."""

from __future__ import annotations

import itertools
import operator
from dataclasses import replace
from typing import Any

import dask.array as da
import numpy as np
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph

from ..._plan._shapes import AxisGeometry
from ..._plan.plans import ConvPlan
from ..._plan.transpose_checks import TransposePlan
from .. import numpy as numpy_backend
from ..numpy.threads import default_threads_set
from .bands import AxisBand


class Task:
    """A picklable call of one NumPy-backend operation on blocks: the plan cut to each block.

    ``operands`` follow the blocks (the kernels; ``wrt``). Inside a task
    ``threads=None`` means one engine thread: Dask runs many tasks at once
    and supplies the parallelism. A ``threads`` the user passed is kept.
    """

    def __init__(self, op: str, plan, *operands):
        self.op, self.plan, self.operands = op, plan, operands

    def __call__(self, *blocks, geometry=None, channels=None):
        plan, operands = self._block_plan(blocks[-1].shape, geometry, channels), self.operands
        if channels is not None and isinstance(plan, ConvPlan):
            operands = (operands[0][..., channels], *operands[1:])
        with default_threads_set(1):
            return getattr(numpy_backend, self.op)(plan, *blocks, *operands)

    def _block_plan(self, shape, geometry, channels):
        plan = self.plan
        if isinstance(plan, TransposePlan):
            return plan.with_batch(shape[0])
        changes: dict = {"images": tuple(shape), "small": False, "small_backward": False}
        if geometry is not None:
            changes["geometry"] = tuple(geometry)
        if channels is not None and isinstance(plan, ConvPlan):  # depthwise: this block's channels only
            n = channels.stop - channels.start
            changes.update(kernels=(*plan.kernels[:3], n), groups=n)
        return replace(plan, **changes)

    def token(self) -> str:
        return tokenize(self.op, self.plan, self.operands)


def _band_geometry(band: AxisBand, g: AxisGeometry, cells: int) -> AxisGeometry:
    """The geometry of one band: its cells, its own padding, its outputs; the whole axis's for one band."""
    if band.pads == (g.before, g.after) and cells == g.size and band.out == g.out:
        return g  # the whole axis (ceil mode's overhang kept)
    return AxisGeometry(cells, g.kernel, g.stride, g.dilation, band.pads[0], band.pads[1], band.out)


def run_band(task: Task, pieces, rows, cols, bands, channels):
    """Join the input pieces of one output chunk, take its band's cells, run the task on them."""
    x = np.concatenate([np.concatenate(row, axis=2) if len(row) > 1 else row[0] for row in pieces], axis=1)
    if not (isinstance(rows, slice) and rows == slice(0, x.shape[1])):
        x = x[:, rows] if isinstance(rows, slice) else np.take(x, rows, axis=1)
    if not (isinstance(cols, slice) and cols == slice(0, x.shape[2])):
        x = x[:, :, cols] if isinstance(cols, slice) else np.take(x, cols, axis=2)
    geometry = tuple(_band_geometry(b, g, n) for b, g, n in zip(bands, task.plan.geometry, x.shape[1:3], strict=True))
    return task(x, geometry=geometry, channels=channels)


def _piece(x, name: str, dsk: dict, index: tuple, rows: slice, cols: slice):
    """The key of input block ``index`` cut to ``rows`` x ``cols``: a task of its own, so that
    on a cluster the cut runs where the block lies and only the halo strip travels."""
    whole = rows == slice(0, x.chunks[1][index[1]]) and cols == slice(0, x.chunks[2][index[2]])
    if whole:
        return (x.name, *index)
    key = (name, *index, rows.start, rows.stop, cols.start, cols.stop)
    if key not in dsk:
        dsk[key] = (operator.getitem, (x.name, *index), (slice(None), rows, cols))
    return key


def bands(task: Task, x, rows: list[AxisBand], cols: list[AxisBand], out_chunks, meta):
    """One task per output chunk, reading the input chunks its band overlaps (one layer)."""
    name = f"convpool-{task.op}-{tokenize(x, task.token(), rows, cols)}"
    cut = f"{name}-halo"
    keeps = len(out_chunks[3]) == len(x.chunks[3])
    starts = np.cumsum((0, *x.chunks[3])).tolist()
    dsk: dict = {}
    for b, (i, rb), (j, cb), c in itertools.product(
        range(len(x.chunks[0])), enumerate(rows), enumerate(cols), range(len(x.chunks[3]))
    ):
        keys = [[_piece(x, cut, dsk, (b, r, q, c), rs, qs) for q, qs in cb.pieces] for r, rs in rb.pieces]
        channels = slice(starts[c], starts[c + 1]) if keeps and len(x.chunks[3]) > 1 else None
        dsk[(name, b, i, j, c if keeps else 0)] = (run_band, task, keys, rb.take, cb.take, (rb, cb), channels)
    graph = HighLevelGraph.from_collections(name, dsk, dependencies=[x])
    return da.Array(graph, name, out_chunks, meta=meta)


def per_block(task: Task, arrays: tuple, out_chunks, dtype):
    """One task per block of chunks alike (whole images): :func:`dask.array.map_blocks`."""
    name = f"convpool-{task.op}-{tokenize(*arrays, task.token())}"
    meta = np.empty((0,) * len(out_chunks), dtype=dtype)
    return da.map_blocks(task, *arrays, chunks=out_chunks, dtype=dtype, meta=meta, name=name)


def _stacked(pair):
    return pair[1][None]


def _first(pair):
    return pair[0]


def summed_pair(task: Task, grad, x, shapes, dtype, split_every: int = 8):
    """Lazy ``(first, second)`` of a task that returns a pair per batch block: firsts side by side, seconds summed.

    ``shapes`` are the trailing shape of the first and the shape of the second;
    the sum is a tree reduction of ``split_every`` partial sums at a time.
    """
    token = tokenize(grad, x, task.token())
    both, first_name, second_name = (f"convpool-{task.op}-{part}-{token}" for part in ("both", "first", "second"))
    blocks = range(len(x.chunks[0]))
    shared: dict[Any, Any] = {(both, b): (task, (grad.name, b, 0, 0, 0), (x.name, b, 0, 0, 0)) for b in blocks}
    firsts: dict[Any, Any] = {(first_name, b, 0, 0, 0): (_first, (both, b)) for b in blocks}
    seconds: dict[Any, Any] = {(second_name, b, *(0,) * len(shapes[1])): (_stacked, (both, b)) for b in blocks}
    first_graph = HighLevelGraph.from_collections(first_name, {**shared, **firsts}, dependencies=[grad, x])
    second_graph = HighLevelGraph.from_collections(second_name, {**shared, **seconds}, dependencies=[grad, x])
    first_chunks = (x.chunks[0], *((n,) for n in shapes[0]))
    first = da.Array(first_graph, first_name, first_chunks, meta=np.empty((0,) * 4, dtype))
    stack_chunks = ((1,) * len(blocks), *((n,) for n in shapes[1]))
    stacked = da.Array(second_graph, second_name, stack_chunks, meta=np.empty((0,) * (1 + len(shapes[1])), dtype))
    return first, stacked.sum(axis=0, split_every=split_every, dtype=dtype)
