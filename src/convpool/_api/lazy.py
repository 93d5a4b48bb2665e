"""Chunk plans of convpool's functions on Dask arrays (NumPy only until a dask array is given).

The functions themselves need nothing from here: give ``convolve``, ``pool``,
... a ``dask.array.Array`` and they return one. :func:`dask_plan` says,
before anything is computed, how that result will be chunked.
"""

from __future__ import annotations

import inspect
from typing import NamedTuple

__all__ = ["DaskPlan", "dask_plan"]

#: The exercise's fixed-padding functions, as the padding they give convolve_grayscale.
_FIXED = {"convolve_grayscale_valid": "valid", "convolve_grayscale_same": "same"}


class DaskPlan(NamedTuple):
    """How a call on a dask array is chunked.

    Attributes
    ----------
    input_chunks : tuple of tuples
        Chunks the images are read with: the array's own, except a channel
        axis rechunked to one chunk for convolutions (every output reads all
        channels), and whole images (one chunk along height and width) for
        the backward passes.
    output_chunks : tuple of tuples
        Chunks of the result (``grad_images`` for the backward passes):
        batch chunks as the input's; along height and width one chunk per
        input chunk, holding the outputs whose window centre lies in it.
    overlap : bool
        Whether a task reads neighbouring input chunks (the halo of spatial
        chunking). ``False`` for batch-only chunking: one task per input
        block, no copies.
    """

    input_chunks: tuple
    output_chunks: tuple
    overlap: bool


def dask_plan(func, *args, **kwargs) -> DaskPlan:
    """The chunks ``func(*args, **kwargs)`` will have on a dask array, without computing it.

    Parameters
    ----------
    func : callable
        One of :func:`convpool.convolve`, :func:`~convpool.convolve_channels`,
        :func:`~convpool.convolve_grayscale` (and its ``_valid``/``_same``/
        ``_padding`` forms), :func:`~convpool.pool`,
        :func:`~convpool.convolve_backward`, :func:`~convpool.pool_backward`.
    *args, **kwargs
        Its arguments exactly as for the call, the images (or ``grad_output``)
        a ``dask.array.Array``.

    Returns
    -------
    DaskPlan
        ``input_chunks``, ``output_chunks`` and ``overlap``. Along height
        (likewise width) output ``j`` belongs to the input chunk holding cell
        ``clip(j * stride - before + (extent - 1) // 2, 0, h - 1)``, the
        centre of its window, with ``extent = (k - 1) * dilation + 1``; an
        input chunk with no output filed under it gets no output chunk.

    Raises
    ------
    TypeError
        ``func`` is not one of these, or no batch argument is a dask array;
        and whatever the call itself raises.
    ValueError
        Whatever the call itself raises.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> import convpool
    >>> x = da.zeros((4, 10, 10), chunks=(2, 5, 5))
    >>> convpool.dask_plan(convpool.convolve_grayscale, x, np.ones((3, 3))).output_chunks
    ((2, 2), (5, 5), (5, 5))
    >>> convpool.dask_plan(convpool.pool, x[..., None], 2, 2).output_chunks
    ((2, 2), (3, 2), (3, 2), (1,))
    """
    from . import conv
    from .dispatch import adapter_for

    name = getattr(func, "__name__", None)
    if name in _FIXED or name == "convolve_grayscale_padding":
        inspect.signature(func).bind(*args, **kwargs)  # its own arguments only, as a call would check
        if name in _FIXED:
            kwargs = {**kwargs, "padding": _FIXED[name]}
        func = conv.convolve_grayscale
    target = getattr(func, "__wrapped__", None)
    if target is None or getattr(target, "__module__", "").split(".")[0] != "convpool":
        raise TypeError(f"dask_plan needs one of convpool's array functions, got {func!r}")
    bound = inspect.signature(target).bind(*args, **kwargs)
    bound.apply_defaults()
    adapter = adapter_for(bound.arguments.get(n) for n in ("images", "grad_output"))
    if adapter is None:
        raise TypeError("dask_plan needs the images (or grad_output) as a dask.array.Array")
    return adapter.plan(target, bound)
