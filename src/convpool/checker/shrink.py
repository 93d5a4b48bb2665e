"""Shrink a failing case to the smallest that still fails the same way: one image, fewer rows, columns, channels.

While the child is still running, the first failing case is cut down step by
step (halves first, then one row or column at a time, then channels and
kernels); a step is kept when convpool's answer and the student's still
disagree for the same reason. The student sees a case small enough to check
by hand, and the same mistake.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from ..exercise import Task
from .cases import Case, _describe, expected
from .diagnose import mismatch
from .findings import Outcome
from .mistakes import general

#: Calls of the student's function one shrink may make.
BUDGET = 60


def _label(task: Task, args: tuple, kwargs: dict) -> str:
    dtype = "" if args[0].dtype == np.float64 else f"{args[0].dtype} "
    if task.kind == "pool":
        mode = kwargs.get("mode", "max")
        return f"{dtype}images {args[0].shape}, kernel_shape {args[1]}, stride {args[2]}, mode {mode!r}"
    g = general(task, Case("", args, kwargs))
    return dtype + _describe(args[0], args[1], g.padding, g.stride if task.number >= 3 else None)


def _images(images: np.ndarray, window: tuple[int, int]) -> Iterator[np.ndarray]:
    """Smaller image batches: one image, half the rows or columns, one row or column less (never below the window)."""
    m, h, w = images.shape[:3]
    if m > 1:
        yield images[:1]
    for size, axis, k in ((h, 1, window[0]), (w, 2, window[1])):
        for keep in dict.fromkeys((max(size // 2, k), size - 1)):
            if k <= keep < size:
                yield np.take(images, range(keep), axis=axis)
                yield np.take(images, range(size - keep, size), axis=axis)


def smaller(task: Task, case: Case) -> Iterator[Case]:
    """Every one-step-smaller variant of ``case``, the biggest cuts first."""
    images, rest = case.args[0], case.args[1:]
    kernel = rest[0] if task.kind != "pool" else None
    # a pooling window must fit; a convolution's smallest image is left to convpool to refuse (ValueError)
    window = tuple(rest[0]) if task.kind == "pool" else (1, 1)
    variants = [(cut, *rest) for cut in _images(images, window)]
    if images.ndim == 4 and images.shape[3] > 1:
        fewer = kernel[:, :, :-1] if kernel is not None else None
        variants.append((images[..., :-1], *((fewer, *rest[1:]) if kernel is not None else rest)))
    if task.kind == "bank" and kernel is not None and kernel.shape[3] > 1:
        variants.append((images, kernel[..., :-1], *rest[1:]))
    for args in variants:
        args = tuple(np.ascontiguousarray(a) if isinstance(a, np.ndarray) else a for a in args)
        yield Case(_label(task, args, case.kwargs), args, dict(case.kwargs))


def shrink(
    task: Task, case: Case, reason: str, call: Callable[[Case], Outcome]
) -> tuple[Case, np.ndarray, Outcome] | None:
    """The smallest case found that still fails for ``reason``, convpool's answer and the student's outcome.

    ``call`` runs the student's function on a case (in the child). None when nothing smaller fails.
    """
    found, budget = None, BUDGET
    while budget > 0:
        for candidate in smaller(task, found[0] if found else case):
            try:
                answer = expected(task, candidate)
            except ValueError:  # no window fits: not a case of the task
                continue
            outcome = call(candidate)
            budget -= 1
            if outcome.status in ("ok", "not-array", "not-numeric") and mismatch(answer, outcome) == reason:
                found = (candidate, answer, outcome)
                break
            if outcome.status not in ("ok", "raised", "not-array", "not-numeric") or budget <= 0:
                return found  # the child died or ran out of time: keep what was found
        else:
            return found
    return found
