"""The wrong computations a student's result is compared with, each computed with convpool.

Every candidate takes a case and convpool's correct answer and returns what
a function with that one mistake returns: convpool with another padding, a
flipped kernel, stride 1, a cast to the student's integer dtype, and so on.
A candidate returns the correct answer where its mistake makes no
difference, and ``None`` where it cannot say.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._typing import Padding
from ..exercise import Task
from .cases import Case


@dataclass(frozen=True)
class Candidate:
    """One mistake: its diagnosis id, the variant (a formula or a side) and how to compute it."""

    id: str
    variant: str
    predict: Callable


@dataclass
class Conv:
    """A convolution case in the general form: ``x (m, h, w, c)``, ``k (kh, kw, c, nc)``."""

    x: np.ndarray
    k: np.ndarray
    padding: Padding
    stride: tuple[int, int]

    @property
    def sizes(self) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
        """``(n, k, s)`` for the height and the width."""
        (_, h, w, _), (kh, kw) = self.x.shape, self.k.shape[:2]
        return (h, kh, self.stride[0]), (w, kw, self.stride[1])


def general(task: Task, case: Case) -> Conv:
    """The general form of a convolution task's case."""
    images, kernel = (np.asarray(a) for a in case.args[:2])
    padding = {0: "valid", 1: "same", 2: case.args[2] if len(case.args) > 2 else None}.get(task.number)
    if padding is None:
        padding = case.kwargs.get("padding", "same")
    stride = tuple(case.kwargs.get("stride", (1, 1)))
    if task.kind == "gray":
        images, kernel = images[..., None], kernel[:, :, None]
    if task.kind != "bank":
        kernel = kernel[..., None]
    return Conv(images, kernel, padding, stride)


def _task_shape(task: Task, out4: np.ndarray) -> np.ndarray:
    return out4 if task.kind == "bank" else out4[..., 0]


def _conv(
    task: Task, g: Conv, pads: Any, stride: Any = None, kernel: np.ndarray | None = None, crop: Any = None
) -> np.ndarray | None:
    import convpool

    try:
        out = convpool.convolve(g.x, g.k if kernel is None else kernel, pads, g.stride if stride is None else stride)
    except ValueError:  # no window fits with this padding: the mistake cannot be reproduced here
        return None
    if crop is not None:
        if out.shape[1] < crop[0] or out.shape[2] < crop[1]:
            return None
        out = out[:, : crop[0], : crop[1]]
    return _task_shape(task, out)


#: The reading of 'same' in force while mistakes are looked for (an openpoints.Choice; None: convpool's own).
#: A file that put the odd row on top *and* flipped its kernel is recognised under its own reading.
SAME_RULE: ContextVar = ContextVar("same_rule", default=None)


def _correct_pads(g: Conv, stride: Any = None, kernel_hw: Any = None) -> tuple[tuple[int, int], ...]:
    """The right padding of ``g`` (for another stride or kernel size if given), under the reading in force."""
    import convpool

    stride = g.stride if stride is None else tuple(stride)
    kernel_hw = g.k.shape[:2] if kernel_hw is None else tuple(kernel_hw)
    rule = SAME_RULE.get()
    if rule is not None and isinstance(g.padding, str) and g.padding == "same":
        return tuple(rule.pads(n, k, s) for n, k, s in zip(g.x.shape[1:3], kernel_hw, stride, strict=True))
    return convpool.conv_padding(g.x.shape[1:3], kernel_hw, stride, g.padding)


# --- 'same' conventions ------------------------------------------------------------------------------

#: Symmetric 'same' paddings seen in public solutions: the same p on both sides, p = f(n, k, s).
SAME_FORMULAS = {
    "same-plus-one": ("((h - 1) * sh + kh - h) // 2 + 1", lambda n, k, s: ((n - 1) * s + k - n) // 2 + 1),
    "same-half-kernel": ("kh // 2", lambda n, k, s: k // 2),
    "same-half-kernel-minus-one": ("(kh - 1) // 2", lambda n, k, s: (k - 1) // 2),
    "same-stride-formula-halved": ("((h - 1) * sh + kh - h) // 2", lambda n, k, s: ((n - 1) * s + k - n) // 2),
    "same-stride-formula-ceil": (
        "ceil(((h - 1) * sh + kh - h) / 2)",
        lambda n, k, s: -(-((n - 1) * s + k - n) // 2),
    ),
    # the forms below were each found in real solutions (measured with tools/measure_checker.py)
    "same-halved-plus-even": (
        "((h - 1) * sh + kh - h) // 2 + (kh % 2 == 0)",
        lambda n, k, s: ((n - 1) * s + k - n) // 2 + (k % 2 == 0),
    ),
    "same-total-each-side": ("max((h - 1) * sh + kh - h, 0)", lambda n, k, s: max((n - 1) * s + k - n, 0)),
    "same-last-window-total-each-side": (
        "max(ceil((h - 1) / sh) * sh + kh - h, 0)",
        lambda n, k, s: max(-(-(n - 1) // s) * s + k - n, 0),
    ),
    "same-fixed-one": ("1 (whatever the kernel)", lambda n, k, s: 1),
}

#: Formulas that equal another one at stride 1: named in tasks 3 to 5 only, where a stride tells them apart.
_STRIDE_ONLY = {
    "same-stride-formula-halved",  # (kh - 1) // 2 at stride 1
    "same-stride-formula-ceil",  # kh // 2
    "same-halved-plus-even",  # kh // 2
    "same-last-window-total-each-side",  # kh - 1, as same-total-each-side
}


def _symmetric(formula: Callable[[int, int, int], int]) -> Callable[..., np.ndarray | None]:
    def predict(task: Task, case: Case, expected: np.ndarray, received: np.ndarray) -> np.ndarray | None:
        g = general(task, case)
        if g.padding != "same":
            return expected
        pads = tuple((formula(n, k, s),) * 2 for n, k, s in g.sizes)
        return _conv(task, g, pads)

    return predict


def _same_floor(task: Task, case: Case, expected: np.ndarray, received: np.ndarray) -> np.ndarray | None:
    g = general(task, case)
    if g.padding != "same" or g.stride == (1, 1):
        return expected
    outs = [n // s for n, k, s in g.sizes]
    if min(outs) < 1:
        return None
    totals = [max((o - 1) * s + k - n, 0) for o, (n, k, s) in zip(outs, g.sizes, strict=False)]
    return _conv(task, g, tuple((p // 2, p - p // 2) for p in totals), crop=outs)


def _same_axes_swapped(task: Task, case: Case, expected: np.ndarray, received: np.ndarray) -> np.ndarray | None:
    g = general(task, case)
    if g.padding != "same" or g.k.shape[0] == g.k.shape[1]:
        return expected

    # the rows padded for kw and the columns for kh: kh // 2 written where kw // 2 was meant, and back
    return _conv(task, g, _correct_pads(g, kernel_hw=g.k.shape[1::-1]))


# --- kernel, padding side, stride --------------------------------------------------------------------


def _flipped(task: Task, case: Case, expected: np.ndarray, received: np.ndarray) -> np.ndarray | None:
    g = general(task, case)
    return _conv(task, g, _correct_pads(g), kernel=g.k[::-1, ::-1])


def _one_side(side: int) -> Callable[..., np.ndarray | None]:
    def predict(task: Task, case: Case, expected: np.ndarray, received: np.ndarray) -> np.ndarray | None:
        g = general(task, case)
        pads = _correct_pads(g)
        if not any(sum(p) for p in pads):
            return expected
        # the other side forgotten: np.pad(images, ((0, 0), (ph, 0), (pw, 0))) or its mirror
        return _conv(task, g, tuple((p[0], 0) if side == 0 else (0, p[1]) for p in pads))

    return predict


def _conv_stride_ignored(task: Task, case: Case, expected: np.ndarray, received: np.ndarray) -> np.ndarray | None:
    g = general(task, case)
    if g.stride == (1, 1):
        return expected
    return _conv(task, g, _correct_pads(g, stride=(1, 1)), stride=(1, 1))


def _conv_stride_swapped(task: Task, case: Case, expected: np.ndarray, received: np.ndarray) -> np.ndarray | None:
    g = general(task, case)
    if g.stride[0] == g.stride[1]:
        return expected
    swapped = g.stride[::-1]
    return _conv(task, g, _correct_pads(g, stride=swapped), stride=swapped)


def _conv_stride_not_multiplied(
    task: Task, case: Case, expected: np.ndarray, received: np.ndarray
) -> np.ndarray | None:
    g = general(task, case)
    if g.stride == (1, 1):
        return expected
    return _conv(task, g, _correct_pads(g), stride=(1, 1), crop=expected.shape[1:3])


# --- dtype --------------------------------------------------------------------------------------------


def _integer_output(task: Task, case: Case, expected: np.ndarray, received: np.ndarray) -> np.ndarray | None:
    """The exact result stored in the student's integer dtype: truncated toward zero, then wrapped."""
    if received.dtype.kind not in "iub" or expected.dtype.kind != "f":
        return expected
    return np.trunc(expected).astype(np.int64).astype(received.dtype)


# --- pooling -----------------------------------------------------------------------------------------


def _pool_args(case: Case) -> tuple[np.ndarray, tuple[int, ...], tuple[int, ...], str]:
    images, window, stride = case.args[:3]
    return np.asarray(images), tuple(window), tuple(stride), case.kwargs.get("mode", "max")


def _ceil_extra(images: np.ndarray, window: tuple[int, ...], stride: tuple[int, ...]) -> tuple[int, ...]:
    """Rows and columns past the image that ceil-rounded window counts reach."""
    out = [math.ceil((n - k) / s) + 1 for n, k, s in zip(images.shape[1:3], window, stride, strict=False)]
    return tuple((o - 1) * s + k - n for o, n, k, s in zip(out, images.shape[1:3], window, stride, strict=False))


def _pool_ceil(task: Task, case: Case, expected: np.ndarray, received: np.ndarray) -> np.ndarray | None:
    import convpool

    images, window, stride, mode = _pool_args(case)
    extra = _ceil_extra(images, window, stride)
    if extra == (0, 0):
        return expected
    try:
        return convpool.pool(images, window, stride, mode, padding=((0, extra[0]), (0, extra[1])))
    except ValueError:  # a window entirely past the image
        return None


def _avg_over_padding(task: Task, case: Case, expected: np.ndarray, received: np.ndarray) -> np.ndarray | None:
    import convpool

    images, window, stride, mode = _pool_args(case)
    extra = _ceil_extra(images, window, stride)
    if extra == (0, 0):
        return expected
    padded = np.pad(images, ((0, 0), (0, extra[0]), (0, extra[1]), (0, 0)))
    return convpool.pool(padded, window, stride, mode)


def _pool_stride_ignored(task: Task, case: Case, expected: np.ndarray, received: np.ndarray) -> np.ndarray | None:
    import convpool

    images, window, stride, mode = _pool_args(case)
    return expected if stride == (1, 1) else convpool.pool(images, window, (1, 1), mode)


def _pool_stride_swapped(task: Task, case: Case, expected: np.ndarray, received: np.ndarray) -> np.ndarray | None:
    import convpool

    images, window, stride, mode = _pool_args(case)
    if stride[0] == stride[1]:
        return expected
    try:
        return convpool.pool(images, window, stride[::-1], mode)
    except ValueError:
        return None


def _pool_stride_not_multiplied(
    task: Task, case: Case, expected: np.ndarray, received: np.ndarray
) -> np.ndarray | None:
    import convpool

    images, window, stride, mode = _pool_args(case)
    if stride == (1, 1):
        return expected
    return convpool.pool(images, window, (1, 1), mode)[:, : expected.shape[1], : expected.shape[2]]


_SAME = [Candidate(key, text, _symmetric(f)) for key, (text, f) in SAME_FORMULAS.items()]
_SAME.append(Candidate("same-kernel-axes-swapped", "", _same_axes_swapped))
_CONV_COMMON = [
    Candidate("flipped-kernel", "", _flipped),
    Candidate("padding-one-side", "top and left only", _one_side(0)),
    Candidate("padding-one-side", "bottom and right only", _one_side(1)),
    Candidate("integer-output", "", _integer_output),
]
_CONV_STRIDE = [
    Candidate("same-floor", "h // sh", _same_floor),
    Candidate("stride-ignored", "", _conv_stride_ignored),
    Candidate("stride-not-multiplied", "", _conv_stride_not_multiplied),
    Candidate("stride-swapped", "", _conv_stride_swapped),
]
_POOL = [
    Candidate("pool-ceil", "", _pool_ceil),
    Candidate("avg-over-padding", "", _avg_over_padding),
    Candidate("stride-ignored", "", _pool_stride_ignored),
    Candidate("stride-not-multiplied", "", _pool_stride_not_multiplied),
    Candidate("stride-swapped", "", _pool_stride_swapped),
    Candidate("integer-output", "", _integer_output),
]


def candidates(task: Task) -> list[Candidate]:
    """The mistakes worth testing for ``task``, most specific first."""
    if task.kind == "pool":
        return _POOL
    same = _SAME if task.number in (1, 3, 4, 5) else []
    if task.number == 1:  # without a stride some formulas are others (_STRIDE_ONLY): one name each
        same = [c for c in same if c.id not in _STRIDE_ONLY]
    stride = _CONV_STRIDE if task.number >= 3 else []
    return same + stride + _CONV_COMMON
