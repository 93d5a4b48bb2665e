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
from ..._plan.adaptive import AdaptivePlan
from ..._plan.plans import ConvPlan
from ..._plan.transpose_checks import TransposePlan
from ..._plan.unpool import UnpoolPlan
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
        if isinstance(plan, (AdaptivePlan, UnpoolPlan)):
            return plan.with_block(shape)
        if isinstance(plan, TransposePlan):
            return plan.with_batch(shape[0])
        changes: dict = {"images": tuple(shape), "small": False, "small_backward": False}
        if geometry is not None:
            changes["geometry"] = tuple(geometry)
        if channels is not None and isinstance(plan, ConvPlan):  # depthwise: this block's channels only
            n = channels.stop - channels.start
            changes.update(kernels=(*plan.kernels[:-1], n), groups=n)
        return replace(plan, **changes)

    def token(self) -> str:
        return tokenize(self.op, self.plan, self.operands)


def _band_geometry(band: AxisBand, g: AxisGeometry, cells: int) -> AxisGeometry:
    """The geometry of one band: its cells, its own padding, its outputs; the whole axis's for one band."""
    if band.pads == (g.before, g.after) and cells == g.size and band.out == g.out:
        return g  # the whole axis (ceil mode's overhang kept)
    return AxisGeometry(cells, g.kernel, g.stride, g.dilation, band.pads[0], band.pads[1], band.out)


def _joined(pieces, axis: int):
    """The nested pieces of one output chunk (one list level per spatial axis from ``axis`` on), concatenated."""
    if not isinstance(pieces, list):
        return pieces
    parts = [_joined(piece, axis + 1) for piece in pieces]
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=axis)


def run_band(task: Task, pieces, takes, bands, channels):
    """Join the input pieces of one output chunk, take its band's cells along each axis, run the task on them."""
    x = _joined(pieces, 1)
    for axis, take in enumerate(takes, start=1):
        if not (isinstance(take, slice) and take == slice(0, x.shape[axis])):
            index = (slice(None),) * axis
            x = x[tuple([*index, take])] if isinstance(take, slice) else np.take(x, take, axis=axis)
    sizes = x.shape[1:-1]
    geometry = tuple(_band_geometry(b, g, n) for b, g, n in zip(bands, task.plan.geometry, sizes, strict=True))
    return task(x, geometry=geometry, channels=channels)


def _piece(x, name: str, dsk: dict, index: tuple, cuts: tuple):
    """The key of input block ``index`` cut to ``cuts`` (one slice per spatial axis): a task of its own, so that
    on a cluster the cut runs where the block lies and only the halo strip travels."""
    whole = all(cut == slice(0, x.chunks[1 + a][index[1 + a]]) for a, cut in enumerate(cuts))
    if whole:
        return (x.name, *index)
    key = (name, *index, *(bound for cut in cuts for bound in (cut.start, cut.stop)))
    if key not in dsk:
        dsk[key] = (operator.getitem, (x.name, *index), (slice(None), *cuts))
    return key


def _keys(x, name: str, dsk: dict, b: int, c: int, bands: tuple, chosen: tuple = (), cuts: tuple = ()):
    """The nested keys of the input pieces a band of every axis reads (one list level per spatial axis)."""
    if not bands:
        return _piece(x, name, dsk, (b, *chosen, c), cuts)
    return [_keys(x, name, dsk, b, c, bands[1:], (*chosen, k), (*cuts, cut)) for k, cut in bands[0].pieces]


def bands(task: Task, x, spatial: list[list[AxisBand]], out_chunks, meta):
    """One task per output chunk, reading the input chunks its bands overlap (one layer).

    ``spatial``: the output chunks of each spatial axis (:func:`.bands.axis_bands`).
    """
    name = f"convpool-{task.op}-{tokenize(x, task.token(), spatial)}"
    cut = f"{name}-halo"
    last = x.ndim - 1
    keeps = len(out_chunks[-1]) == len(x.chunks[last])
    starts = np.cumsum((0, *x.chunks[last])).tolist()
    dsk: dict = {}
    for b, chosen, c in itertools.product(
        range(len(x.chunks[0])),
        itertools.product(*(list(enumerate(axis)) for axis in spatial)),
        range(len(x.chunks[last])),
    ):
        where = tuple(i for i, _ in chosen)
        chunk_bands = tuple(band for _, band in chosen)
        keys = _keys(x, cut, dsk, b, c, chunk_bands)
        channels = slice(starts[c], starts[c + 1]) if keeps and len(x.chunks[last]) > 1 else None
        takes = tuple(band.take for band in chunk_bands)
        dsk[tuple([name, b, *where, c if keeps else 0])] = (run_band, task, keys, takes, chunk_bands, channels)
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
    zeros = (0,) * (x.ndim - 1)
    shared: dict[Any, Any] = {(both, b): (task, (grad.name, b, *zeros), (x.name, b, *zeros)) for b in blocks}
    firsts: dict[Any, Any] = {(first_name, b, *zeros): (_first, (both, b)) for b in blocks}
    seconds: dict[Any, Any] = {(second_name, b, *(0,) * len(shapes[1])): (_stacked, (both, b)) for b in blocks}
    first_graph = HighLevelGraph.from_collections(first_name, {**shared, **firsts}, dependencies=[grad, x])
    second_graph = HighLevelGraph.from_collections(second_name, {**shared, **seconds}, dependencies=[grad, x])
    first_chunks = (x.chunks[0], *((n,) for n in shapes[0]))
    first = da.Array(first_graph, first_name, first_chunks, meta=np.empty((0,) * x.ndim, dtype))
    stack_chunks = ((1,) * len(blocks), *((n,) for n in shapes[1]))
    stacked = da.Array(second_graph, second_name, stack_chunks, meta=np.empty((0,) * (1 + len(shapes[1])), dtype))
    return first, stacked.sum(axis=0, split_every=split_every, dtype=dtype)
