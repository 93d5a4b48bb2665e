"""Chunk plans of convpool's functions on Dask arrays (NumPy only until a dask array is given).

The functions themselves need nothing from here: give ``convolve``, ``pool``,
... a ``dask.array.Array`` and they return one. :func:`dask_plan` says,
before anything is computed, how that result will be chunked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._plan.chunks import DaskPlan, recording

__all__ = ["DaskPlan", "dask_plan"]


def dask_plan(func: Callable[..., Any], *args: Any, **kwargs: Any) -> DaskPlan:
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
        ``input_chunks``, ``output_chunks`` and ``overlap``. Along each
        spatial axis (height and width; every axis of a signal or volume)
        output ``j`` belongs to the input chunk holding cell
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
    >>> volumes = da.zeros((1, 8, 10, 10, 1), chunks=(1, 4, 5, 10, 1))
    >>> convpool.dask_plan(convpool.pool, volumes, (2, 2, 2), 2).output_chunks
    ((1,), (2, 2), (3, 2), (5,), (1,))
    """
    from .dispatch import is_dask

    if not callable(func) or not getattr(func, "__module__", "").startswith("convpool."):
        raise TypeError(f"dask_plan needs one of convpool's array functions, got {func!r}")
    if not any(is_dask(value) for value in (*args, *kwargs.values())):
        raise TypeError("dask_plan needs the images (or grad_output) as a dask.array.Array")
    with recording() as plans:
        result = func(*args, **kwargs)  # builds the graph (checks included); computes nothing
    if not plans:
        raise TypeError(f"dask_plan needs one of convpool's array functions on a dask array, got {func!r}")
    batch = next(value for value in (*args, *kwargs.values()) if is_dask(value))
    first = result[0] if isinstance(result, tuple) else result
    return DaskPlan(plans[0].input_chunks[: batch.ndim], first.chunks, plans[0].overlap)
