"""The exercise convpool began as, in one place: its seven tasks, its kernels and its workloads.

The demo (``convpool demo``), the checker (``convpool check``), the docs and
the benchmarks read the task list, the spec's example kernels and batch sizes
from here; nothing else writes them down.

>>> [t.filename for t in TASKS][:2]
['0-convolve_grayscale_valid.py', '1-convolve_grayscale_same.py']
>>> EDGE.shape, SHARPEN.shape, BANK.shape
((3, 3), (3, 3, 3), (3, 3, 3, 3))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = ["BANK", "EDGE", "SHARPEN", "SPEC_BATCH", "TASKS", "Task", "by_filename", "by_function"]

# The spec's example kernels, as its main files write them (0-main.py ... 5-main.py): integer arrays.
#: Tasks 0-3: ``[[1, 0, -1]] * 3``, left minus right, finds vertical edges.
EDGE = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])
#: Task 4, shape ``(3, 3, 3)``: a sharpen kernel, each tap repeated over the three channels.
SHARPEN = np.repeat(np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])[:, :, None], 3, axis=2)
#: Task 5, shape ``(3, 3, 3, 3)``: three kernels; tap ``(a, b)`` holds the same three values in every channel.
BANK = np.repeat(
    np.array(
        [
            [[0, 1, 1], [-1, 0, 1], [0, -1, 1]],
            [[-1, 1, 0], [5, 0, 0], [-1, -1, 0]],
            [[0, 1, -1], [-1, 0, -1], [0, -1, -1]],
        ]
    )[:, :, None, :],
    3,
    axis=2,
)
for _k in (EDGE, SHARPEN, BANK):
    _k.flags.writeable = False  # one home, shared by every reader: nobody may change it

#: The spec's batch sizes per task kind (its main files: 50000 MNIST digits, 10000 animal photos).
SPEC_BATCH = {"gray": 50000, "channels": 10000, "bank": 10000, "pool": 10000}


@dataclass(frozen=True)
class Task:
    """One task of the exercise.

    ``kind`` says how its arguments map onto the general operations:
    ``gray`` ``(m, h, w)`` with ``(kh, kw)``, ``channels`` ``(m, h, w, c)`` with
    ``(kh, kw, c)``, ``bank`` with ``(kh, kw, c, nc)``, or ``pool``.
    ``max_loops`` is the number of Python loops the spec allows;
    ``args``/``kwargs`` after the images and ``call`` describe the spec's main file.
    """

    number: int
    stem: str
    function: str
    kind: str
    max_loops: int
    call: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def filename(self) -> str:
        return f"{self.stem}.py"

    @property
    def batch(self) -> str:
        """Which sample batch the spec's main file uses: ``'gray'`` (MNIST-like) or ``'rgb'`` (photos)."""
        return "gray" if self.kind == "gray" else "rgb"

    def reference(self) -> Callable[..., np.ndarray]:
        """convpool's own function of the same name (the public layer is imported only when asked)."""
        from ._api import conv, pool

        return getattr(pool if self.function == "pool" else conv, self.function)

    def run(self, images: npt.ArrayLike) -> np.ndarray:
        """The spec's main-file call of this task on ``images``, by convpool."""
        return self.reference()(images, *self.args, **self.kwargs)


TASKS = (
    Task(0, "0-convolve_grayscale_valid", "convolve_grayscale_valid", "gray", 2,
         "kernel [[1, 0, -1]] * 3, valid (no padding), stride 1", (EDGE,)),
    Task(1, "1-convolve_grayscale_same", "convolve_grayscale_same", "gray", 2,
         "same kernel, 'same' (1 per side), stride 1", (EDGE,)),
    Task(2, "2-convolve_grayscale_padding", "convolve_grayscale_padding", "gray", 2,
         "padding (2, 4): 2 rows, 4 cols per side", (EDGE, (2, 4))),
    Task(3, "3-convolve_grayscale", "convolve_grayscale", "gray", 2,
         "valid (no padding), stride (2, 2)", (EDGE,), {"padding": "valid", "stride": (2, 2)}),
    Task(4, "4-convolve_channels", "convolve_channels", "channels", 2,
         "sharpen (3, 3, 3), valid, stride 1", (SHARPEN,), {"padding": "valid"}),
    Task(5, "5-convolve", "convolve", "bank", 3,
         "3 kernels (3, 3, 3, 3), valid, stride 1", (BANK,), {"padding": "valid"}),
    Task(6, "6-pool", "pool", "pool", 2,
         "avg pool 2x2, valid, stride (2, 2)", ((2, 2), (2, 2)), {"mode": "avg"}),
)  # fmt: skip


def by_filename(name: str) -> Task | None:
    """The task whose file is ``name`` (``'3-convolve_grayscale.py'``), or None.

    >>> by_filename("5-convolve.py").function, by_filename("5-convolve.py").max_loops
    ('convolve', 3)
    >>> by_filename("convolve.py") is None
    True
    """
    return next((t for t in TASKS if t.filename == name), None)


def by_function(names: Iterable[str]) -> Task | None:
    """The task whose function is among ``names`` (for a single file with another name)."""
    names = set(names)
    return next((t for t in TASKS if t.function in names), None)
