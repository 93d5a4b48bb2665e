"""Figures (matplotlib, an optional extra: ``pip install convpool[plot]``).

The public figure functions live here; the package's modules hold them by kind:

- :mod:`convpool.plot.figures`: batches before/after, kernel heat maps, the kernel gallery;
- :mod:`convpool.plot.explain`: the step-by-step window animation of ``convpool explain``;
- :mod:`convpool.plot.demo`: the demo figure of the seven tasks;
- :mod:`convpool.plot.board` and :mod:`convpool.plot.learn`: the number grids of the Learn pages.

matplotlib is imported only when a figure is drawn (:func:`convpool.plot._mpl._pyplot`).
"""

from __future__ import annotations

from .demo import tasks_figure
from .explain import ExplainScene, explain_gif, explain_still
from .figures import before_after, kernel_gallery, kernel_heatmap

__all__ = [
    "ExplainScene",
    "before_after",
    "explain_gif",
    "explain_still",
    "kernel_gallery",
    "kernel_heatmap",
    "tasks_figure",
]
