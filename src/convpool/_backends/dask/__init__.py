"""The Dask adapter: convpool's public functions on ``dask.array.Array`` images.

:mod:`convpool._api.dispatch` sends a call here when a batch argument is a dask
array. Every call is first made eagerly on an empty-batch NumPy stand-in
with the same other arguments: the same ``ValueError``/``TypeError`` as for
NumPy input, raised while the graph is built, and the output's trailing
shape and dtype. The graph then calls the same public function on NumPy
blocks (see ``docs/dask.md`` for the chunk plan).
"""

from __future__ import annotations

import inspect
import math
import re
from typing import NamedTuple

import dask.array as da
import numpy as np

from ..._api.dispatch import stand_in
from ..._api.lazy import DaskPlan
from ..._plan import checks as check
from . import graph
from .bands import AxisBand, axis_bands
from .specs import SPECS, geometry

__all__ = ["call", "plan"]


class _Prepared(NamedTuple):
    call: graph.BlockCall
    arrays: tuple  # the batch arguments as dask arrays, rechunked as planned (images last)
    meta: object  # the eager result on the stand-ins: an empty batch, or a tuple of them
    bands: tuple[list[AxisBand], list[AxisBand]] | None  # None: whole images per block
    plan: DaskPlan


def call(func, bound):
    """Run ``func`` (an undecorated public function) lazily on its dask arguments."""
    prepared = _prepare(func, bound)
    name = func.__name__
    if name in ("convolve_backward", "convolve_transpose_backward"):
        return graph.convolve_backward(prepared.call, *prepared.arrays, prepared.meta)
    if name == "pool_backward":
        return graph.pool_backward(prepared.call, *prepared.arrays, prepared.meta)
    (images,) = prepared.arrays
    out_chunks = prepared.plan.output_chunks
    if prepared.bands is None:
        return graph.batch_only(prepared.call, images, out_chunks, prepared.meta)
    return graph.spatial(prepared.call, images, *prepared.bands, out_chunks, prepared.meta)


def plan(func, bound) -> DaskPlan:
    """The chunk plan of ``func`` on these arguments (see :func:`convpool.dask_plan`)."""
    return _prepare(func, bound).plan


def _prepare(func, bound) -> _Prepared:
    name = func.__name__
    spec = SPECS[name]
    arguments = dict(bound.arguments)
    _reject_lazy(arguments, spec.routed)
    given = {key: arguments[key] for key in spec.routed}
    for key, value in given.items():
        if isinstance(value, da.Array):
            _known_chunks(value, key)
        else:
            given[key] = np.asarray(value)
    stand = {key: stand_in(value.shape, value.dtype) for key, value in given.items()}
    meta = _validate(func, bound.signature, arguments, given, stand)
    images = given["images"]
    if not isinstance(images, da.Array):  # a dask grad_output with NumPy images
        images = da.from_array(images, chunks=(given["grad_output"].chunks[0], -1, -1, -1))
    block = graph.BlockCall(func, arguments, spec.routed)
    if spec.backward:
        return _prepare_backward(block, given, images, meta, spec)
    if spec.whole:
        return _prepare_whole(block, images, meta)
    geo, pad_mode = geometry(name, arguments, stand["images"])
    images = _channels(images, spec.keep_channels)
    if _clipped_average(arguments, geo):
        # A chunk called with its band's padding would count ceil mode's extra cells as asked-for
        # padding (divisor kh * kw): such calls run on whole images instead.
        images = images.rechunk({1: -1, 2: -1})
    rows, cols = (axis_bands(images.chunks[1 + a], geo[a], pad_mode) for a in (0, 1))
    whole = len(images.chunks[1]) == 1 and len(images.chunks[2]) == 1
    out_chunks = (images.chunks[0], tuple(b.out for b in rows), tuple(b.out for b in cols))
    if meta.ndim == 4:
        out_chunks += (images.chunks[3] if spec.keep_channels else (meta.shape[3],),)
    _block_fits(out_chunks, meta.dtype, arguments)
    result = DaskPlan(images.chunks, out_chunks, not whole)
    return _Prepared(block, (images,), meta, None if whole else (rows, cols), result)


def _block_fits(out_chunks, dtype, arguments: dict) -> None:
    """The largest output block must fit in memory: the eager size check, per task.

    The stand-in's empty batch passes the eager check of the whole output,
    which a dask result may well exceed; one task's block may not.
    """
    options = {**arguments, **arguments.get("options", {})}
    because = ", ".join(f"{key}={options[key]!r}" for key in ("padding", "stride", "dilation") if key in options)
    largest = tuple(max(sizes, default=0) for sizes in out_chunks)
    check.fits(largest, dtype, "an output block", f"{because} with chunks of {largest[1:3]} outputs")


def _validate(func, signature, arguments: dict, given: dict, stand: dict):
    """The eager call on the stand-ins: its result, or its error as NumPy input of the real shape gets it.

    Unlike the array-API adapter, this does not repeat the checks on full-shaped
    stand-ins to get the exact message: a lazy output need not fit in memory, and
    the eager whole-output size check would refuse what the graph can compute.
    The real shapes are written into the message instead.
    """
    checked = inspect.BoundArguments(signature, {**arguments, **stand})
    try:
        return func(*checked.args, **checked.kwargs)
    except (ValueError, TypeError) as error:
        message = str(error)
        for key, value in given.items():  # a stand-in's own shape, of whatever length, is the real one
            message = message.replace(f"shape {stand[key].shape}", f"shape {tuple(value.shape)}")
        # shapes of 3 or 4 axes derived from the stand-ins (an output's) have their batch (padding pairs have 2)
        batch = given["images"].shape[0] if given["images"].ndim else 0
        message = re.sub(r"\(0, (\d+, \d+(?:, \d+)?)\)", rf"({batch}, \1)", message)
        if message == str(error):
            raise
        raise type(error)(message) from None


def _prepare_backward(block, given: dict, images, meta, spec) -> _Prepared:
    """Whole images per block: the spatial axes (and, for convolution, channels) in one chunk each."""
    grad = given["grad_output"]
    if grad.shape[0] != images.shape[0]:
        layout = "(m, oh, ow, c)" if spec.keep_channels else "(m, oh, ow, nc)"
        expected = (images.shape[0], *grad.shape[1:])  # the trailing shape passed the eager check
        raise ValueError(
            f"grad_output must have the forward output's shape {expected} {layout}, got shape {tuple(grad.shape)}"
        )
    channels = images.chunks[3] if spec.keep_channels else -1
    images = images.rechunk({1: -1, 2: -1, 3: channels})
    if isinstance(grad, da.Array):
        grad = grad.rechunk((images.chunks[0], -1, -1, channels))
    else:
        grad = da.from_array(grad, chunks=(images.chunks[0], -1, -1, channels))
    result = DaskPlan(images.chunks, images.chunks, False)
    return _Prepared(block, (grad, images), meta, None, result)


def _prepare_whole(block, images, meta) -> _Prepared:
    """Whole images per block (the transposed convolution): one task per batch chunk."""
    images = images.rechunk({1: -1, 2: -1, 3: -1})
    out_chunks = (images.chunks[0], *((n,) for n in meta.shape[1:]))
    _block_fits(out_chunks, meta.dtype, block.arguments)
    result = DaskPlan(images.chunks, out_chunks, False)
    return _Prepared(block, (images,), meta, None, result)


def _clipped_average(arguments: dict, geo) -> bool:
    """An average with ``count_include_pad`` whose ``ceil_mode`` windows reach past the padding."""
    options = {**arguments, **arguments.get("options", {})}
    include = options.get("mode") == "avg" and options.get("count_include_pad")
    return bool(include) and any(g.overhang for g in geo)


def _channels(images, keep: bool):
    """A channel axis split into chunks is rechunked to one chunk unless channels are independent."""
    if images.ndim == 4 and not keep and len(images.chunks[3]) > 1:
        return images.rechunk({3: -1})
    return images


def _reject_lazy(arguments: dict, routed: tuple[str, ...]) -> None:
    """Kernels and every other non-batch argument must be NumPy (or array_like)."""
    values = {**arguments, **arguments.get("options", {})}
    for key, value in values.items():
        if key not in routed and isinstance(value, da.Array):
            raise TypeError(
                f"{key} must be a NumPy array (or array_like), not a dask array: only "
                f"{' and '.join(routed)} may be lazy; pass {key}.compute()"
            )


def _known_chunks(array, name: str) -> None:
    if any(math.isnan(size) for sizes in array.chunks for size in sizes):
        raise ValueError(f"{name} has unknown chunk sizes; call {name}.compute_chunk_sizes() first")
