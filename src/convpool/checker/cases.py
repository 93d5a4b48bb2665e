"""The battery of cases each task is run on, smallest first.

Small cases hold small integers (as floats) so that a failing case can be
written out and checked by hand; they cover odd and even kernels, rectangular
images and kernels, every padding form the task accepts, strides, channels,
several kernels, and pooling windows that do not tile the image. The last
case of each task is the spec's main-file workload on the embedded sample
images (64 of them instead of 50000 or 10000).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..exercise import Task


@dataclass
class Case:
    """One call of a task's function: ``function(*args, **kwargs)``."""

    label: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    spec: bool = False
    #: seconds this call may take (None: the run's per-case timeout)
    timeout: float | None = None
    #: calls to time (the median is reported); 1 for correctness
    repeats: int = 1

    @property
    def images(self) -> np.ndarray:
        return self.args[0]


def _rng(task: Task) -> np.random.Generator:
    return np.random.default_rng(1000 + task.number)


def _ints(
    rng: np.random.Generator, shape: tuple[int, ...], low: int = 0, high: int = 10, dtype: npt.DTypeLike = np.float64
) -> np.ndarray:
    return rng.integers(low, high, size=shape).astype(dtype)


def _kernel(rng: np.random.Generator, shape: tuple[int, ...], dtype: npt.DTypeLike = np.float64) -> np.ndarray:
    # small nonzero integers, so that a flipped kernel always shows
    return rng.choice([-2, -1, 1, 2, 3], size=shape).astype(dtype)


def _image_shape(task: Task, m: int, h: int, w: int, c: int) -> tuple:
    return (m, h, w) if task.kind == "gray" else (m, h, w, c)


def _kernel_shape(task: Task, kh: int, kw: int, c: int, nc: int) -> tuple:
    return {"gray": (kh, kw), "channels": (kh, kw, c), "bank": (kh, kw, c, nc)}[task.kind]


#: (h, w, kh, kw, padding, stride, channels, kernels) of the small convolution cases.
_CONV_GRID = (
    (4, 4, 2, 2, "valid", (1, 1), 1, 2),
    (5, 5, 3, 3, "valid", (1, 1), 1, 1),
    (3, 4, 3, 4, "valid", (1, 1), 2, 1),
    (5, 7, 3, 2, "valid", (1, 1), 2, 2),
    (6, 5, 4, 3, "valid", (1, 1), 1, 2),
    (5, 5, 3, 3, "same", (1, 1), 2, 1),
    (5, 7, 3, 2, (1, 1), (1, 1), 3, 2),
    (4, 4, 2, 2, "same", (1, 1), 2, 3),
    (6, 5, 4, 4, (0, 2), (1, 1), 1, 2),
    (5, 6, 2, 3, "same", (1, 1), 2, 2),
    (6, 4, 1, 4, (2, 1), (1, 1), 1, 1),
    (7, 7, 3, 3, "valid", (2, 2), 2, 2),
    (7, 6, 3, 3, "same", (2, 2), 3, 1),
    (6, 7, 2, 3, (1, 2), (2, 3), 2, 2),
    (8, 8, 4, 4, "same", (3, 2), 1, 2),
    (7, 7, 5, 5, "same", (1, 1), 1, 1),
    (6, 6, 3, 4, (1, 0), (1, 1), 2, 1),
    (6, 6, 3, 4, "same", (1, 1), 1, 2),
    (5, 8, 1, 5, "same", (1, 1), 1, 1),  # a kernel far wider than tall: kh // 2 written for kw // 2 shows
)


def _accepts(task: Task, padding: Any, stride: Any) -> bool:
    """Whether the task's signature can express this padding and stride."""
    if task.number == 0:
        return padding == "valid" and stride == (1, 1)
    if task.number == 1:
        return padding == "same" and stride == (1, 1)
    if task.number == 2:
        return isinstance(padding, tuple) and stride == (1, 1)
    return True


def _conv_call(task: Task, images: np.ndarray, kernel: np.ndarray, padding: Any, stride: Any) -> tuple[tuple, dict]:
    if task.number in (0, 1):
        return (images, kernel), {}
    if task.number == 2:
        return (images, kernel, padding), {}
    return (images, kernel), {"padding": padding, "stride": stride}


def _describe(images: np.ndarray, kernel: np.ndarray, padding: Any, stride: Any) -> str:
    pad = f"padding {padding!r}" if padding is not None else "default padding"
    text = f"images {images.shape}, kernel {kernel.shape}, {pad}"
    return text + (f", stride {stride}" if stride not in (None, (1, 1)) else "")


def conv_cases(task: Task) -> list[Case]:
    """The battery of a convolution task (0 to 5)."""
    rng = _rng(task)
    cases = []
    for h, w, kh, kw, padding, stride, c, nc in _CONV_GRID:
        if not _accepts(task, padding, stride):
            continue
        images = _ints(rng, _image_shape(task, 2, h, w, c))
        kernel = _kernel(rng, _kernel_shape(task, kh, kw, c, nc))
        args, kwargs = _conv_call(task, images, kernel, padding, stride)
        cases.append(Case(_describe(images, kernel, padding, stride), args, kwargs))
    if task.number in (3, 4, 5):
        images = _ints(rng, _image_shape(task, 1, 5, 6, 2))
        kernel = _kernel(rng, _kernel_shape(task, 3, 3, 2, 2))
        cases.append(Case(_describe(images, kernel, None, None) + " (the defaults)", (images, kernel)))
    cases += _dtype_cases(task, rng)
    cases.append(_spec_case(task))
    return cases


def _dtype_cases(task: Task, rng: np.random.Generator) -> list[Case]:
    """uint8 images with an integer kernel (sums leave 0..255) and float32 images."""
    padding = {0: "valid", 1: "same", 2: (1, 2)}.get(task.number, "same")
    out = []
    for dtype, high in ((np.uint8, 256), (np.float32, 10)):
        images = _ints(rng, _image_shape(task, 2, 6, 6, 3), high=high, dtype=dtype)
        kernel = _kernel(rng, _kernel_shape(task, 3, 3, 3, 2), dtype=np.int64 if dtype == np.uint8 else dtype)
        args, kwargs = _conv_call(task, images, kernel, padding, (1, 1))
        out.append(Case(f"{np.dtype(dtype).name} " + _describe(images, kernel, padding, None), args, kwargs))
    return out


def _spec_case(task: Task) -> Case:
    """The spec's main file for this task (:data:`convpool.exercise.TASKS`), on 64 embedded sample images."""
    from convpool import data

    images = data.grayscale_batch() if task.batch == "gray" else data.rgb_batch()
    # writable copies of the shared read-only kernels: a student's function may write to its arguments
    args = tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in task.args)
    label = f"the spec's {task.number}-main.py workload on 64 sample images"
    return Case(label, (images, *args), dict(task.kwargs), spec=True)


#: (h, w, c, window, stride, mode) of the pooling cases.
_POOL_GRID = (
    (4, 4, 1, (2, 2), (2, 2), "max"),
    (4, 4, 1, (2, 2), (2, 2), "avg"),
    (5, 5, 2, (2, 2), (2, 2), "max"),
    (5, 5, 2, (2, 2), (2, 2), "avg"),
    (7, 6, 2, (3, 3), (2, 2), "avg"),
    (6, 7, 3, (3, 2), (2, 3), "max"),
    (6, 6, 1, (2, 2), (3, 3), "avg"),
    (5, 7, 2, (2, 3), (1, 2), "avg"),
    (6, 5, 2, (3, 2), (1, 1), "max"),
)


def pool_cases(task: Task) -> list[Case]:
    """The battery of the pooling task (6)."""
    rng = _rng(task)
    cases = []
    for h, w, c, window, stride, mode in _POOL_GRID:
        images = _ints(rng, (2, h, w, c))
        label = f"images {images.shape}, kernel_shape {window}, stride {stride}, mode {mode!r}"
        cases.append(Case(label, (images, window, stride), {"mode": mode}))
    images = _ints(rng, (2, 5, 5, 3), high=256, dtype=np.uint8)
    label = f"uint8 images {images.shape}, kernel_shape (2, 2), stride (2, 2), mode 'avg'"
    cases.append(Case(label, (images, (2, 2), (2, 2)), {"mode": "avg"}))
    cases.append(_spec_case(task))
    return cases


def call_text(task: Task, case: Case) -> str:
    """The call as the student would write it, arrays by name."""
    names = ["images", "kernels" if task.kind == "bank" else "kernel", "padding"]
    if task.kind == "pool":
        names = ["images", "kernel_shape", "stride"]
    args = [n if isinstance(a, np.ndarray) else repr(a) for n, a in zip(names, case.args, strict=False)]
    args += [f"{k}={v!r}" for k, v in case.kwargs.items()]
    return f"{task.function}({', '.join(args)})"


def battery(task: Task) -> list[Case]:
    """Every case of ``task``, smallest first; the spec's workload last."""
    return pool_cases(task) if task.kind == "pool" else conv_cases(task)


def expected(task: Task, case: Case) -> np.ndarray:
    """convpool's answer to ``case``."""
    return task.reference()(*case.args, **case.kwargs)
