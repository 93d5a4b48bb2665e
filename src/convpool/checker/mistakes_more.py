"""Mistakes of the loops themselves, found in real student solutions, each recomputed from the case.

:mod:`.mistakes` holds the wrong paddings, strides and dtypes; this module the
loops that do not match the output they fill:

* task 1 padded ``(kh - 1) // 2`` on each side but the output kept at ``h x w``:
  for an even kernel the padded image is a row short, so the last windows
  are cut short by NumPy's slicing (a one-row window is then broadcast over
  the kernel, a longer short one raises);
* any 'same' formula of :data:`.mistakes.SAME_FORMULAS` with the output kept at
  the image's ``h x w`` (whatever the padding gives, whatever the stride);
* an output array that is never written (all zeros);
* loops over the image's ``h x w`` instead of the output's rows and columns
  (the cells past them stay zero).

:func:`candidates` is the full list, the common mistakes first.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..exercise import Task
from .cases import Case
from .mistakes import _STRIDE_ONLY, SAME_FORMULAS, Candidate, Conv, _task_shape, general
from .mistakes import candidates as _common


def _sliced(g: Conv, pads: list[int], out_hw: tuple[int, int]) -> np.ndarray | None:
    """``pads`` on each side, an ``out_hw`` output, window ``(i, j)`` sliced at ``(i * sh, j * sw)`` as NumPy
    slices it (cut short at the edge, a one-row remainder broadcast over the kernel); None where NumPy raises."""
    (kh, kw), (sh, sw) = g.k.shape[:2], g.stride
    padded = np.pad(g.x.astype(np.float64), ((0, 0), (pads[0],) * 2, (pads[1],) * 2, (0, 0)))
    out = np.zeros((g.x.shape[0], *out_hw, g.k.shape[3]))
    for i in range(out_hw[0]):
        for j in range(out_hw[1]):
            window = padded[:, i * sh : i * sh + kh, j * sw : j * sw + kw, :]
            if window.shape[1] not in (kh, 1) or window.shape[2] not in (kw, 1):
                return None
            full = np.broadcast_to(window, (window.shape[0], kh, kw, window.shape[3]))
            out[:, i, j, :] = np.einsum("nabc,abco->no", full, g.k)
    return out


def _clipped(task: Task, case: Case, expected: np.ndarray, received: np.ndarray) -> np.ndarray | None:
    """Task 1 with ``(k - 1) // 2`` padding, an ``h x w`` output and windows sliced as the student slices them."""
    g = general(task, case)
    (kh, kw) = g.k.shape[:2]
    if kh % 2 and kw % 2:
        return expected  # an odd kernel fits: the mistake makes no difference
    out = _sliced(g, [(kh - 1) // 2, (kw - 1) // 2], g.x.shape[1:3])
    return None if out is None else _task_shape(task, out)


def _kept_size(formula: Callable[[int, int, int], int]) -> Callable[..., np.ndarray | None]:
    """A 'same' padding ``formula`` on each side, the output kept at the image's ``h x w`` whatever the stride."""

    def predict(task: Task, case: Case, expected: np.ndarray, received: np.ndarray) -> np.ndarray | None:
        g = general(task, case)
        if g.padding != "same":
            return expected
        out = _sliced(g, [formula(n, k, s) for n, k, s in g.sizes], g.x.shape[1:3])
        return None if out is None else _task_shape(task, out)

    return predict


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
_KEPT = [Candidate("same-output-kept-at-input-size", text, _kept_size(f)) for text, f in SAME_FORMULAS.values()]
_NEVER = Candidate("output-never-written", "", _never_written)
_INPUT_LOOPS = Candidate("loops-over-input-size", "", _input_size_loops)


def candidates(task: Task) -> list[Candidate]:
    """Every mistake worth testing for ``task``: :func:`.mistakes.candidates`, then those of this module."""
    extra = []
    if task.number in (3, 4, 5):
        extra = list(_KEPT)
    elif task.number == 1:  # without a stride (kh - 1) // 2 kept at h x w is _CLIPPED, and some formulas are others
        skip = {SAME_FORMULAS[k][0] for k in (*_STRIDE_ONLY, "same-half-kernel-minus-one")}
        extra = [_CLIPPED, *(c for c in _KEPT if c.variant not in skip)]
    if task.kind != "pool":
        extra.append(_INPUT_LOOPS)
    return [*_common(task), *extra, _NEVER]
