"""The demo figure (``convpool demo``, ``make demo``): every task's input and results, honestly scaled.

One row per task. Every picture in the figure is drawn at the same number of
inches per pixel, so a 13x13 output is visibly half the size of its 28x28
input. The input keeps its own 0-255 grey (or colour); the row's outputs share
**one** colour scale, shown by the row's colour bar (zero mid grey when the
values have both signs), so a brighter output means a larger number, never
just a different scale. Titles say the padding, the
stride, the output shape and its value range.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .._typing import FilePath

from ._mpl import _pyplot

INCH_PER_PIXEL = 0.07
GAP = 0.45  # inches between panels
TITLE = 0.62  # inches of title above each row's panels


def _range(a: np.ndarray) -> str:
    return f"values {float(a.min()):.4g} to {float(a.max()):.4g}"


def _draw(
    fig: Figure, image: np.ndarray, x: float, y: float, norm: Any, cmap: str, title: str, size: tuple[float, float]
) -> float:
    """Place ``image`` with its top-left at ``(x, y)`` inches from the figure's top-left; returns its width."""
    fw, fh = size
    h, w = image.shape[:2]
    ax = fig.add_axes((x / fw, 1 - (y + h * INCH_PER_PIXEL) / fh, w * INCH_PER_PIXEL / fw, h * INCH_PER_PIXEL / fh))
    if image.ndim == 3:  # colour: uint8 as is, float results on the input's 0-255 scale
        ax.imshow(np.clip(image, 0, 255).astype(np.uint8), interpolation="nearest")
    else:
        ax.imshow(image, cmap=cmap, norm=norm, interpolation="nearest")
    ax.set_title(title, fontsize=7)
    ax.set_xticks([])
    ax.set_yticks([])
    return w * INCH_PER_PIXEL


def tasks_figure(runs: Sequence[Any], path: FilePath) -> None:
    """One row per task: an input image chosen for its edges, then its result maps on one colour scale.

    Parameters
    ----------
    runs : list of convpool.demo.TaskRun
    path : str or Path, PNG file to write
    """
    fig = figure(runs)
    fig.savefig(path, format="png", dpi=80)
    _pyplot().close(fig)


def figure(runs: Sequence[Any]) -> Figure:
    """The figure of :func:`tasks_figure`, not yet saved (its axes' images hold the arrays drawn)."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    plt = _pyplot()
    tallest = [max(run.images.shape[1], *(p.shape[0] for p in run.panels())) for run in runs]
    widths = [run.images.shape[2] + sum(p.shape[1] for p in run.panels()) for run in runs]
    panels = max(1 + len(run.panels()) for run in runs)
    width = max(widths) * INCH_PER_PIXEL + GAP * (panels + 1) + 1.0
    height = sum(t * INCH_PER_PIXEL + TITLE for t in tallest) + 0.3
    fig = plt.figure(figsize=(width, height))
    size = (width, height)
    y = TITLE
    for run, tall in zip(runs, tallest, strict=True):
        n = run.example_index()
        image = run.images[n]
        gray = Normalize(0, 255)
        title = f"{run.name}\ninput {image.shape} (image {n})"
        x = GAP + _draw(fig, image, GAP, y, gray, "gray", title, size) + GAP
        maps = run.panels()
        lo = min(float(m.min()) for m in maps)
        hi = max(float(m.max()) for m in maps)
        # signed results: zero is mid grey, so the sign reads the same in every row
        top = max(abs(lo), abs(hi))
        norm = Normalize(-top, top) if lo < 0 < hi else Normalize(lo, hi if hi > lo else lo + 1)
        for m in maps:
            x += _draw(fig, m, x, y, norm, "gray", f"{run.call}\n{m.shape}, {_range(m)}", size) + GAP
        if maps[0].ndim == 2:  # colour outputs are on the input's scale: no bar needed
            bar = fig.add_axes(
                (x / width, 1 - (y + tall * INCH_PER_PIXEL) / height, 0.12 / width, tall * 0.07 / height)
            )
            fig.colorbar(ScalarMappable(norm=norm, cmap="gray"), cax=bar).ax.tick_params(labelsize=6)
        y += tall * INCH_PER_PIXEL + TITLE
    return fig
