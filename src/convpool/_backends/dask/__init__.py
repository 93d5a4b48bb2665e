"""The Dask backend: the six operations on a plan, as Dask graphs of NumPy-backend tasks.

The public layer has already built the plan from the dask arrays' real
shapes and dtypes (so every error is the eager one, raised while the graph
is built), with ``lazy=True``: a lazy result need not fit in memory, only each
of its blocks. Forward operations chunk the batch and the spatial axes (a
band of outputs per input chunk, with its halo; ``docs/dask.md``); backward
passes and the transposed convolution take whole images per batch chunk.
Every task runs the NumPy backend's operation on the plan cut to its block.
"""

from __future__ import annotations

import math

import dask.array as da
import numpy as np

from ..._plan import checks as check
from ..._plan.chunks import DaskPlan, record
from .. import selected
from . import graph
from .bands import axis_bands

__all__ = ["LAZY", "add_axis", "broadcast", "meta", "prepare"]

LAZY = True

#: The arguments that may be dask arrays: the batches. Kernels are small, and every task needs all of them.
_LAZY_ARGUMENTS = ("images", "grad_output", "values", "indices")


def prepare(value, name: str, layout: str):
    """A dask batch as it is (its chunk sizes known); anything else as a NumPy array."""
    if isinstance(value, da.Array):
        if name not in _LAZY_ARGUMENTS:
            raise TypeError(
                f"{name} must be a NumPy array (or array_like), not a dask array: only images and "
                f"grad_output may be lazy; pass {name}.compute()"
            )
        if any(math.isnan(size) for sizes in value.chunks for size in sizes):
            raise ValueError(f"{name} has unknown chunk sizes; call {name}.compute_chunk_sizes() first")
        return value
    return check.as_array(value, name, layout=layout)


def meta(array) -> tuple[tuple[int, ...], np.dtype]:
    return tuple(array.shape), np.dtype(array.dtype)


def add_axis(array):
    return array[..., None]


def broadcast(array, shape):
    return np.broadcast_to(array, shape)  # kernels are NumPy arrays here (see prepare)


def correlate(plan, images, kernels):
    """Bands of outputs per input chunk; channels joined into one chunk unless each output reads one channel."""
    depthwise = plan.groups == plan.images[-1] and plan.kernels[-2:] == (1, plan.images[-1])
    return _forward(graph.Task("correlate", plan, kernels), images, plan, keep_channels=depthwise)


def pool(plan, images):
    """Bands of outputs per input chunk; channel chunks kept (each channel is pooled on its own)."""
    counts_taps = plan.mode == "lp" or (plan.mode == "avg" and plan.count_include_pad)
    include_clipped = counts_taps and any(g.overhang for g in plan.geometry)
    if include_clipped:
        # A band would count ceil mode's extra cells as asked-for padding (divisor kh * kw): whole images.
        images = images.rechunk({a: -1 for a in range(1, images.ndim - 1)})
    return _forward(graph.Task("pool", plan), images, plan, keep_channels=True)


def _forward(task: graph.Task, images, plan, keep_channels: bool):
    last = images.ndim - 1  # the channel axis
    if not keep_channels and len(images.chunks[last]) > 1:
        images = images.rechunk({last: -1})  # every output reads all channels
    pad_mode = getattr(plan, "pad_mode", "constant")  # pooling pads with cells that never win
    spatial = [axis_bands(images.chunks[1 + a], g, pad_mode) for a, g in enumerate(plan.geometry)]
    out_channels = images.chunks[last] if keep_channels else (plan.out[-1],)
    out_chunks = (images.chunks[0], *(tuple(b.out for b in axis) for axis in spatial), out_channels)
    _block_fits(out_chunks, plan)
    whole = all(len(chunks) == 1 for chunks in images.chunks[1:last])
    record(DaskPlan(images.chunks, out_chunks, not whole))
    meta = np.empty((0,) * images.ndim, dtype=plan.dtype)
    return graph.bands(task, images, spatial, out_chunks, meta)


def _block_fits(out_chunks, plan) -> None:
    """The largest output block must fit in memory: the eager size check, per task."""
    largest = tuple(max(sizes, default=0) for sizes in out_chunks)
    because = f"{plan.described} with chunks of {largest[1:-1]} outputs"
    check.fits(largest, plan.dtype, "an output block", because)


def _whole_images(images, grad, keep_channels: bool):
    """Batch chunks of whole images (and channels, unless kept), ``grad_output`` chunked alike."""
    if not isinstance(images, da.Array):  # a dask grad_output with NumPy images
        images = da.from_array(images, chunks=(grad.chunks[0], *(-1,) * (images.ndim - 1)))
    last = images.ndim - 1
    channels = images.chunks[last] if keep_channels else -1
    images = images.rechunk({**{a: -1 for a in range(1, last)}, last: channels})
    if grad is None:
        return images, None
    chunks = (images.chunks[0], *(-1,) * (last - 1), channels)
    if isinstance(grad, da.Array):
        return images, grad.rechunk(chunks)
    return images, da.from_array(grad, chunks=chunks)


def correlate_backward(plan, grad, images, kernels, wrt: str = "both"):
    """One task per batch chunk computes both gradients; ``grad_kernels`` is their sum (a tree reduction)."""
    images, grad = _whole_images(images, grad, keep_channels=False)
    record(DaskPlan(images.chunks, images.chunks, False))
    task = graph.Task("correlate_backward", plan, kernels, "both")
    return selected(graph.summed_pair(task, grad, images, (plan.images[1:], plan.kernels), plan.dtype), wrt)


def pool_backward(plan, grad, images):
    images, grad = _whole_images(images, grad, keep_channels=True)
    record(DaskPlan(images.chunks, images.chunks, False))
    return graph.per_block(graph.Task("pool_backward", plan), (grad, images), images.chunks, plan.dtype)


def transpose(plan, images, kernels):
    """Whole images per batch chunk: an output cell gathers a varying number of input cells."""
    images, _ = _whole_images(images, None, keep_channels=False)
    out_chunks = (images.chunks[0], *((n,) for n in plan.out[1:]))
    _block_fits(out_chunks, plan)
    record(DaskPlan(images.chunks, out_chunks, False))
    return graph.per_block(graph.Task("transpose", plan, kernels), (images,), out_chunks, plan.dtype)


def transpose_backward(plan, grad, images, kernels):
    images, grad = _whole_images(images, grad, keep_channels=False)
    record(DaskPlan(images.chunks, images.chunks, False))
    task = graph.Task("transpose_backward", plan, kernels)
    return graph.summed_pair(task, grad, images, (plan.images[1:], plan.kernels), plan.dtype)


def adaptive_pool(plan, images):
    """Whole images per batch chunk, channel chunks kept: a window may span the whole image."""
    return _whole_per_block("adaptive_pool", plan, images, plan.dtype)


def adaptive_winners(plan, images):
    return _whole_per_block("adaptive_winners", plan, images, np.dtype(np.int64))


def _whole_per_block(op: str, plan, images, dtype):
    images, _ = _whole_images(images, None, keep_channels=True)
    out_chunks = (images.chunks[0], *((n,) for n in plan.out[1:-1]), images.chunks[-1])
    largest = tuple(max(sizes, default=0) for sizes in out_chunks)
    check.fits(largest, dtype, "an output block", f"pooling to {plan.out[1:-1]}")
    record(DaskPlan(images.chunks, out_chunks, False))
    return graph.per_block(graph.Task(op, plan), (images,), out_chunks, dtype)


def adaptive_pool_backward(plan, grad, images):
    images, grad = _whole_images(images, grad, keep_channels=True)
    record(DaskPlan(images.chunks, images.chunks, False))
    return graph.per_block(graph.Task("adaptive_pool_backward", plan), (grad, images), images.chunks, plan.dtype)


def pool_winners(plan, images):
    """Whole images per batch chunk: an index is into the whole image plane."""
    return _whole_per_block("pool_winners", plan, images, np.dtype(np.int64))


def unpool(plan, values, indices):
    values, indices = _whole_images(values, indices, keep_channels=True)
    out_chunks = (values.chunks[0], *((n,) for n in plan.spatial), values.chunks[-1])
    record(DaskPlan(values.chunks, out_chunks, False))
    return graph.per_block(graph.Task("unpool", plan), (values, indices), out_chunks, plan.dtype)


def unpool_backward(plan, grad, indices):
    indices, _ = _whole_images(indices, None, keep_channels=True)
    chunks = (indices.chunks[0], *(-1,) * (indices.ndim - 2), indices.chunks[-1])  # whole planes, any rank
    grad = grad.rechunk(chunks) if isinstance(grad, da.Array) else da.from_array(grad, chunks=chunks)
    record(DaskPlan(grad.chunks, indices.chunks, False))
    return graph.per_block(graph.Task("unpool_backward", plan), (grad, indices), indices.chunks, plan.dtype)


def permute(array, axes):
    """A lazy transpose (a NumPy view for NumPy arguments)."""
    return array.transpose(axes)
