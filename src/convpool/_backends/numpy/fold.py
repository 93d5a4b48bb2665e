"""The adjoint of padding: a padded block's gradient folded back onto the cells it was copied from."""

from __future__ import annotations

from itertools import chain

import numpy as np

from ..._plan._shapes import AxisGeometry, source_cells


def fold_padding(grad_padded: np.ndarray, geometry, pad_mode: str) -> np.ndarray:
    """Adjoint of padding: fold the gradient of a padded block back onto its source cells.

    ``grad_padded`` has shape (b, H, W, c) with ``H = top + h + bottom``; the
    result, shape (b, h, w, c), is a view of it, which this overwrites
    (callers pass a scratch array and copy the result out).

    ``np.pad`` with a non-constant mode copies every padded cell from one
    input cell, axis by axis (``edge``: the nearest edge cell; ``reflect``:
    mirrored, edge not repeated; ``symmetric``: mirrored, edge repeated;
    ``wrap``: periodic). Its adjoint adds each padded
    cell's gradient to that source cell. The source of every cell is found by
    padding ``arange(h)`` with the same mode, so the fold is exact for every
    pad width ``np.pad`` accepts. Constant cells have no source: dropped.
    """
    for axis, g in ((1, geometry[0]), (2, geometry[1])):
        grad_padded = _fold_axis(grad_padded, axis, g, pad_mode)
    return grad_padded


def _fold_axis(grad_padded: np.ndarray, axis: int, g: AxisGeometry, pad_mode: str) -> np.ndarray:
    """Fold one axis in place: returns a view of ``grad_padded`` (a scratch array) without the padding."""
    inner = [slice(None)] * grad_padded.ndim
    inner[axis] = slice(g.before, g.before + g.size)
    result = grad_padded[tuple(inner)]
    if pad_mode == "constant" or g.before + g.after == 0:
        return result
    source = source_cells(g, pad_mode)
    here: list[slice | int] = [slice(None)] * grad_padded.ndim
    there: list[slice | int] = [slice(None)] * grad_padded.ndim
    # Padded cells lie outside ``result``'s slice, so adding them into it in place is safe.
    for p in chain(range(g.before), range(g.before + g.size, g.padded)):
        here[axis] = source[p]
        there[axis] = p
        result[tuple(here)] += grad_padded[tuple(there)]
    return result
