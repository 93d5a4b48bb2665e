"""Mistakes of the loops themselves, found in real student solutions, each recomputed from the case.

:mod:`.mistakes` holds the wrong paddings, strides and dtypes; this module the
loops that do not match the output they fill:

* task 1 padded ``(kh - 1) // 2`` on each side but the output kept at ``h x w``:
  for an even kernel the padded image is a row short, so the last windows
  are cut short by NumPy's slicing (a one-row window is then broadcast over
  the kernel, a longer short one raises);
* an output array that is never written (all zeros);
* loops over the image's ``h x w`` instead of the output's rows and columns
  (the cells past them stay zero).

:func:`candidates` is the full list, the common mistakes first.
"""

from __future__ import annotations

import numpy as np

from ..exercise import Task
from .cases import Case
from .mistakes import Candidate, general
from .mistakes import candidates as _common


def _clipped(task: Task, case: Case, expected: np.ndarray, received: np.ndarray) -> np.ndarray | None:
    """Task 1 with ``(k - 1) // 2`` padding, an ``h x w`` output and windows sliced as the student slices them."""
    g = general(task, case)
    (_, h, w, _), (kh, kw) = g.x.shape, g.k.shape[:2]
    if kh % 2 and kw % 2:
        return expected  # an odd kernel fits: the mistake makes no difference
    padded = np.pad(g.x.astype(np.float64), ((0, 0), ((kh - 1) // 2,) * 2, ((kw - 1) // 2,) * 2, (0, 0)))
    out = np.zeros((g.x.shape[0], h, w, g.k.shape[3]))
    for i in range(h):
        for j in range(w):
            window = padded[:, i : i + kh, j : j + kw, :]
            if window.shape[1] not in (kh, 1) or window.shape[2] not in (kw, 1):
                return None  # NumPy raises on this case: nothing to compare
            full = np.broadcast_to(window, (window.shape[0], kh, kw, window.shape[3]))
            out[:, i, j, :] = np.einsum("nabc,abco->no", full, g.k)
    return out[..., 0]


def _never_written(task: Task, case: Case, expected: np.ndarray, received: np.ndarray) -> np.ndarray | None:
    return np.zeros_like(expected)


def _input_size_loops(task: Task, case: Case, expected: np.ndarray, received: np.ndarray) -> np.ndarray | None:
    """``for i in range(h): for j in range(w)`` filling an output of the right size."""
    g = general(task, case)
    if g.stride != (1, 1):
        return None
    (h, w), (oh, ow) = g.x.shape[1:3], expected.shape[1:3]
    if oh < h or ow < w:
        return None  # the loops index past the output: an IndexError
    out = np.array(expected, dtype=np.float64)
    out[:, h:], out[:, :, w:] = 0, 0
    return out


_CLIPPED = Candidate("same-short-padding-clipped", "", _clipped)
_NEVER = Candidate("output-never-written", "", _never_written)
_INPUT_LOOPS = Candidate("loops-over-input-size", "", _input_size_loops)


def candidates(task: Task) -> list[Candidate]:
    """Every mistake worth testing for ``task``: :func:`.mistakes.candidates`, then those of this module."""
    extra = [_CLIPPED] if task.number == 1 else []
    if task.kind != "pool":
        extra.append(_INPUT_LOOPS)
    return [*_common(task), *extra, _NEVER]
