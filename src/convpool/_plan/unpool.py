"""The plan of unpooling: max pooling's values put back at their indices, and its gradient (a gather).

Built from shapes, dtypes and arguments alone, and cached, as every plan; the indices'
values are checked by the backend (they are data), before it writes anything. The number of
spatial axes is ``len(output_shape)`` (an int: 2-D), as for adaptive pooling.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from . import checks as check
from . import dtypes
from ._cache import cached
from .adaptive import batch_rank
from .plans import check_grad_output

__all__ = ["UnpoolPlan", "unpool_plan"]


@dataclass(frozen=True)
class UnpoolPlan:
    """Values ``(m, *out, c)`` scattered into zeroed planes ``(m, *spatial, c)`` of ``dtype``."""

    values: tuple[int, ...]
    spatial: tuple[int, ...]
    dtype: np.dtype

    @property
    def out(self) -> tuple[int, ...]:
        """The unpooled shape ``(m, *spatial, c)``."""
        return (self.values[0], *self.spatial, self.values[-1])

    def with_block(self, shape) -> UnpoolPlan:
        """The plan of one block of values (a Dask chunk of the batch and channels)."""
        return replace(self, values=tuple(shape))


@cached
def unpool_plan(
    values: tuple,
    values_dtype,
    indices: tuple,
    indices_dtype,
    output_shape,
    dtype=None,
    grad: tuple | None = None,
) -> UnpoolPlan:
    """The plan of :func:`convpool.unpool`, and of its backward pass with ``grad = (shape, dtype)``.

    Checks, in this order: values and their number of spatial axes (``len(output_shape)``, 2 for an int),
    indices (integers, the values' shape), ``output_shape``,
    the output's size, ``grad_output``, then ``dtype``. For the backward pass ``values`` is
    the indices' shape and dtype (there are no values) and ``output_shape`` ``grad_output``'s.
    """
    what = "indices" if grad is not None else "values"
    rank = batch_rank(values, values_dtype, what, output_shape)
    check.array_meta(indices, indices_dtype, "indices", rank + 2, check.layout(rank, "m", "c", "o"))
    if np.dtype(indices_dtype).kind not in "iu":
        raise TypeError(f"indices must be integers (flat indices into each output plane), got dtype {indices_dtype}")
    if tuple(indices) != tuple(values):
        raise ValueError(f"indices must have the values' shape {tuple(values)}, got shape {tuple(indices)}")
    spatial = check.per_axis(output_shape, "output_shape", rank)
    out = (values[0], *spatial, values[-1])
    if grad is not None:
        check_grad_output(grad[0], grad[1], out, check.layout(rank, "m", "c"))
        dtype = dtypes.compute_dtype(dtype, grad[1])
    else:
        check.fits(out, values_dtype, "an output", f"output_shape={output_shape!r}")
        dtype = np.dtype(values_dtype) if dtype is None else dtypes.compute_dtype(dtype)
    return UnpoolPlan(tuple(values), spatial, np.dtype(dtype))
