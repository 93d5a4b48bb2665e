"""The exercise's seven tasks: file names, function names, loop limits and convpool's answer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Task:
    """One task of the exercise.

    ``kind`` says how its arguments map onto the general operations:
    ``gray`` ``(m, h, w)`` with ``(kh, kw)``, ``channels`` ``(m, h, w, c)`` with
    ``(kh, kw, c)``, ``bank`` with ``(kh, kw, c, nc)``, or ``pool``.
    """

    number: int
    stem: str
    function: str
    kind: str
    max_loops: int

    @property
    def filename(self) -> str:
        return f"{self.stem}.py"

    def reference(self):
        """convpool's own function of the same name (imported lazily)."""
        import convpool

        return getattr(convpool, self.function)


TASKS = (
    Task(0, "0-convolve_grayscale_valid", "convolve_grayscale_valid", "gray", 2),
    Task(1, "1-convolve_grayscale_same", "convolve_grayscale_same", "gray", 2),
    Task(2, "2-convolve_grayscale_padding", "convolve_grayscale_padding", "gray", 2),
    Task(3, "3-convolve_grayscale", "convolve_grayscale", "gray", 2),
    Task(4, "4-convolve_channels", "convolve_channels", "channels", 2),
    Task(5, "5-convolve", "convolve", "bank", 3),
    Task(6, "6-pool", "pool", "pool", 2),
)

#: The spec's batch sizes, for the extrapolated timing.
SPEC_BATCH = {"gray": 50000, "channels": 10000, "bank": 10000, "pool": 10000}


def by_filename(name: str) -> Task | None:
    """The task whose file is ``name`` (``'3-convolve_grayscale.py'``), or None.

    >>> by_filename("5-convolve.py").function, by_filename("5-convolve.py").max_loops
    ('convolve', 3)
    >>> by_filename("convolve.py") is None
    True
    """
    return next((t for t in TASKS if t.filename == name), None)


def by_function(names) -> Task | None:
    """The task whose function is among ``names`` (for a single file with another name)."""
    names = set(names)
    return next((t for t in TASKS if t.function in names), None)
