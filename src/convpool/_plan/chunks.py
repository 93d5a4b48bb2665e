"""Chunk plans of Dask results, and how :func:`convpool.dask_plan` hears of them (NumPy only)."""

from __future__ import annotations

import contextlib
import contextvars
from typing import NamedTuple


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


#: While :func:`recording` runs, the Dask backend appends here the chunk plan of every operation it builds.
_RECORD: contextvars.ContextVar[list | None] = contextvars.ContextVar("convpool_dask_plans", default=None)


@contextlib.contextmanager
def recording():
    """Collect the :class:`DaskPlan` of each Dask operation built in this block, outermost call first."""
    plans: list[DaskPlan] = []
    token = _RECORD.set(plans)
    try:
        yield plans
    finally:
        _RECORD.reset(token)


def record(plan: DaskPlan) -> None:
    """Called by the Dask backend for every operation it builds (nothing happens outside :func:`recording`)."""
    plans = _RECORD.get()
    if plans is not None:
        plans.append(plan)
