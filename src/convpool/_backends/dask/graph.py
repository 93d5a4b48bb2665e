"""Dask graphs that call convpool's eager public functions on NumPy blocks."""

from __future__ import annotations

import importlib
import inspect
import itertools
import operator

import dask.array as da
import numpy as np
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph

from ..numpy.threads import default_threads_set
from .bands import AxisBand


class BlockCall:
    """A picklable call of one public function on NumPy blocks.

    The function is looked up by module and name in the worker (the public,
    decorated one: for NumPy blocks its dispatch is a pass-through). Inside
    the call ``threads=None`` means one engine thread: Dask runs many tasks
    at once and supplies the parallelism. A ``threads`` the user passed is
    kept.
    """

    def __init__(self, func, arguments: dict, names: tuple[str, ...]):
        self.module, self.name = func.__module__, func.__name__
        self.arguments = {k: v for k, v in arguments.items() if k not in names}
        self.names = names

    def __call__(self, *blocks, padding=None):
        func = getattr(importlib.import_module(self.module), self.name)
        arguments = {**self.arguments, **dict(zip(self.names, blocks, strict=True))}
        if padding is not None:
            arguments["padding"] = padding
        bound = inspect.BoundArguments(inspect.signature(func), arguments)
        with default_threads_set(1):
            return func(*bound.args, **bound.kwargs)

    def token(self) -> str:
        return tokenize(self.module, self.name, self.arguments, self.names)


def run_band(call: BlockCall, pieces, rows, cols, padding):
    """Join the input pieces of one output chunk, take its band's cells, call the function."""
    x = np.concatenate([np.concatenate(row, axis=2) if len(row) > 1 else row[0] for row in pieces], axis=1)
    if not (isinstance(rows, slice) and rows == slice(0, x.shape[1])):
        x = x[:, rows] if isinstance(rows, slice) else np.take(x, rows, axis=1)
    if not (isinstance(cols, slice) and cols == slice(0, x.shape[2])):
        x = x[:, :, cols] if isinstance(cols, slice) else np.take(x, cols, axis=2)
    return call(x, padding=padding)


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


def batch_only(call: BlockCall, x, out_chunks, meta):
    """One task per input block, no overlap: :func:`dask.array.map_blocks`."""
    drop = [3] if x.ndim == 4 and meta.ndim == 3 else []
    name = f"convpool-{call.name}-{tokenize(x, call.token())}"
    return da.map_blocks(call, x, chunks=out_chunks, drop_axis=drop, dtype=meta.dtype, meta=meta, name=name)


def spatial(call: BlockCall, x, rows: list[AxisBand], cols: list[AxisBand], out_chunks, meta):
    """One task per output chunk, reading the input chunks its band overlaps (one layer)."""
    name = f"convpool-{call.name}-{tokenize(x, call.token(), rows, cols)}"
    cut = f"{name}-halo"
    channels = range(len(x.chunks[3])) if x.ndim == 4 else [None]
    keeps = meta.ndim == 4 and len(out_chunks[3]) == len(channels)
    dsk: dict = {}
    for b, (i, rb), (j, cb), c in itertools.product(
        range(len(x.chunks[0])), enumerate(rows), enumerate(cols), channels
    ):
        tail = () if c is None else (c,)
        keys = [[_piece(x, cut, dsk, (b, r, q, *tail), rs, qs) for q, qs in cb.pieces] for r, rs in rb.pieces]
        out = (name, b, i, j) + ((c if keeps else 0,) if meta.ndim == 4 else ())
        dsk[out] = (run_band, call, keys, rb.take, cb.take, (rb.pads, cb.pads))
    graph = HighLevelGraph.from_collections(name, dsk, dependencies=[x])
    return da.Array(graph, name, out_chunks, meta=meta)


def pool_backward(call: BlockCall, grad, x, meta):
    """Per batch (and channel) block; the inputs are chunked alike, whole images per block."""
    name = f"convpool-{call.name}-{tokenize(grad, x, call.token())}"
    return da.map_blocks(call, grad, x, chunks=x.chunks, dtype=meta.dtype, meta=meta, name=name)


def _stacked(pair):
    return pair[1][None]


def _first(pair):
    return pair[0]


def convolve_backward(call: BlockCall, grad, x, metas, split_every: int = 8):
    """Lazy ``(grad_images, grad_kernels)``: one task per batch block computes both.

    ``grad_images`` is the blocks' first results side by side; ``grad_kernels``
    the sum of their second results, a tree reduction of ``split_every``
    partial sums at a time.
    """
    token = tokenize(grad, x, call.token())
    both, gi_name, gk_name = (f"convpool-{call.name}-{part}-{token}" for part in ("both", "images", "kernels"))
    shared = {(both, b): (call, (grad.name, b, 0, 0, 0), (x.name, b, 0, 0, 0)) for b in range(len(x.chunks[0]))}
    gi_tasks = {(gi_name, b, 0, 0, 0): (_first, (both, b)) for b in range(len(x.chunks[0]))}
    gk_tasks = {(gk_name, b, 0, 0, 0, 0): (_stacked, (both, b)) for b in range(len(x.chunks[0]))}
    gi_meta, gk_meta = metas
    gi_graph = HighLevelGraph.from_collections(gi_name, {**shared, **gi_tasks}, dependencies=[grad, x])
    gk_graph = HighLevelGraph.from_collections(gk_name, {**shared, **gk_tasks}, dependencies=[grad, x])
    grad_images = da.Array(gi_graph, gi_name, x.chunks, meta=gi_meta)
    stack_chunks = ((1,) * len(x.chunks[0]), *((n,) for n in gk_meta.shape))
    stacked = da.Array(gk_graph, gk_name, stack_chunks, meta=gk_meta[None][:0])
    return grad_images, stacked.sum(axis=0, split_every=split_every, dtype=gk_meta.dtype)
