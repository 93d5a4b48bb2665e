"""A board of number grids for teaching figures (matplotlib, optional): one unit per cell, true sizes.

:class:`Board` lays several grids side by side on one set of axes, so a 5x5
input and its 3x3 output are drawn at their true relative size. Every cell shows
its number; padding cells are hatched (not told apart by colour alone); the
numbers' Text artists are kept by grid and cell so tests can read back what a
figure shows. The figures of :mod:`convpool.plot.learn` are built on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .._typing import FilePath

from ._mpl import _describe, _num, _pyplot

__all__ = ["WINDOW_COLOURS", "Board"]

#: Distinct window colours (colour-blind friendly), cycled.
WINDOW_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")


class Board:
    """Grids of numbers side by side, one unit per cell, drawn on one set of axes.

    Parameters
    ----------
    cell : float
        Inches per grid cell in the finished figure.

    Attributes
    ----------
    texts : dict name -> dict (row, col) -> matplotlib.text.Text
        The number shown in every cell of every grid, by input coordinates
        (padding cells have rows/columns below 0 or past the input's size), so
        tests can read back what the figure shows.
    origins : dict name -> (x, y)
        Where the top-left cell of each grid's *padded* array lies.
    unread : dict stride -> list of int
        The input cells no window reads, where a figure crosses them out (empty otherwise).
    winners : dict (row, col) -> (row, col)
        The circled input cell of each output cell, where a figure circles them (empty otherwise).
    """

    def __init__(self, cell: float = 0.4) -> None:
        plt = _pyplot()
        self.fig, self.ax = plt.subplots()
        self.ax.set_aspect("equal")
        self.ax.axis("off")
        self.cell = cell
        self.cursor = 0.0
        self.alt: str | None = None  # what the finished figure shows, in words (its alt text)
        self.texts: dict[str, dict[tuple[int, int], object]] = {}
        self.origins: dict[str, tuple[float, float]] = {}
        self.pads: dict[str, tuple[int, int]] = {}
        self.unread: dict[int, list[int]] = {}
        self.winners: dict[tuple[int, int], tuple[int, int]] = {}
        self._extent = [0.0, 0.0, 0.0, 0.0]  # x min, x max, y min, y max (y grows downwards)

    def _grow(self, x0: float, x1: float, y0: float, y1: float) -> None:
        e = self._extent
        self._extent = [min(e[0], x0), max(e[1], x1), min(e[2], y0), max(e[3], y1)]

    def grid(
        self,
        name: str,
        values: npt.ArrayLike,
        *,
        pad: Any = (0, 0),
        x: float | None = None,
        y: float = 0.0,
        title: str | None = None,
        norm: Any = None,
        cmap: Any = None,
        shade: np.ndarray | None = None,
    ) -> tuple[float, float]:
        """Draw ``values`` (2-D, the padded array when ``pad`` is given) with a number in every cell.

        ``pad = ((top, bottom), (left, right))`` (or ``(top, left)`` for the same
        on both sides) says how many rows/columns of ``values`` are padding;
        ``shade`` (a bool array, True for real cells) overrides it. Padding
        cells are hatched grey.
        ``norm``/``cmap`` colour the real cells by value. Returns the ``(x, y)``
        of the top-left corner; the next grid goes to its right.
        """
        v = np.asarray(values, dtype=np.float64)
        rows, cols = v.shape
        (top, bottom), (left, right) = pad if np.ndim(pad) == 2 else ((pad[0], pad[0]), (pad[1], pad[1]))
        real = shade if shade is not None else np.zeros(v.shape, bool)
        if shade is None:
            real[top : rows - bottom, left : cols - right] = True
        x0 = self.cursor if x is None else x
        cmap = _pyplot().get_cmap(cmap) if cmap is not None else None
        self.texts[name], self.origins[name], self.pads[name] = {}, (x0, y), (top, left)
        font = 9 if max(rows, cols) <= 10 else 7
        for (r, c), value in np.ndenumerate(v):
            face = "#ececec" if not real[r, c] else ("white" if cmap is None else cmap(norm(value)))
            text = self._cell(x0 + c, y + r, value, face, bool(real[r, c]), font)
            text.set_gid(f"{name}[{r - top},{c - left}]")
            self.texts[name][(r - top, c - left)] = text
        lines = title.splitlines() if title else []
        if title:
            self.ax.text(x0, y - 0.25, title, fontsize=9, va="bottom", ha="left")
        # a title is about 0.075 inch per character at 9 pt: the next grid starts after it
        wide = max((0.075 * len(line) / self.cell for line in lines), default=0.0)
        self._grow(x0, x0 + max(cols, wide), y - 0.25 - 0.2 / self.cell * len(lines), y + rows)
        self.cursor = x0 + max(cols, wide) + 1.2
        return x0, y

    def _cell(self, x: float, y: float, value: float, face: Any, real: bool, font: int) -> Any:
        """One square at ``(x, y)``: white/coloured with a black number, or hatched padding in grey."""
        from matplotlib.patches import Rectangle

        patch = self.ax.add_patch(
            Rectangle(
                (x, y),
                1,
                1,
                facecolor=face,
                edgecolor="#555555" if real else "#999999",
                hatch=None if real else "//",
                linestyle="-" if real else "--",
                linewidth=0.7,
            )
        )
        if not real and hasattr(patch, "set_hatchcolor"):  # matplotlib >= 3.11: thin, light hatching
            patch.set_hatch_linewidth(0.4)
            patch.set_hatchcolor("#b8b8b8")
        dark = real and face != "white" and _luminance(face) < 0.5
        colour = "white" if dark else ("black" if real else "#666666")
        return self.ax.text(x + 0.5, y + 0.5, _num(value), ha="center", va="center", fontsize=font, color=colour)

    def word(self, text: str, y: float, *, size: int = 16) -> None:
        """A symbol or short word (``*``, ``=``, ``sum``) in the gap before the next grid."""
        self.ax.text(self.cursor, y, text, fontsize=size, ha="left", va="center")
        self.cursor += 0.9 + 0.18 * len(text) * size / 12

    def note(self, text: str, x: float, y: float, **kw: Any) -> None:
        """Free text at ``(x, y)`` in cell units (rows grow downwards)."""
        self.ax.text(x, y, text, fontsize=kw.pop("fontsize", 9), va=kw.pop("va", "top"), **kw)
        # about 0.075 inch per character at 9 pt: the axes must reach past the text's end
        chars = len(max(text.splitlines() or [""], key=len))
        self._grow(x, x + 0.075 * chars / self.cell, y, y + 0.5 * (text.count("\n") + 1))

    def outline(
        self,
        name: str,
        row: int,
        col: int,
        rows: int = 1,
        cols: int = 1,
        *,
        colour: str = "#0072b2",
        width: float = 2.5,
        inset: float = 0.0,
        fill: bool | str = False,
    ) -> Any:
        """A frame around cells ``[row, row + rows) x [col, col + cols)`` of grid ``name`` (input coordinates)."""
        from matplotlib.patches import Rectangle

        x0, y0 = self.origins[name]
        top, left = self.pads[name]
        return self.ax.add_patch(
            Rectangle(
                (x0 + col + left + inset, y0 + row + top + inset),
                cols - 2 * inset,
                rows - 2 * inset,
                fill=fill,
                facecolor=colour if fill else "none",
                alpha=0.25 if fill else 1.0,
                edgecolor=colour,
                linewidth=width,
                zorder=3,
            )
        )

    def colorbar(self, norm: Any, cmap: Any, label: str) -> None:
        """One colour bar for every grid coloured with ``norm`` and ``cmap``."""
        from matplotlib.cm import ScalarMappable

        bar = self.fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=self.ax, shrink=0.8, pad=0.02)
        bar.set_label(label, fontsize=8)

    def finish(self, path: FilePath | None = None, *, alt: str | None = None) -> Figure:
        """Fit the axes to what was drawn, size the figure at ``cell`` inches per unit; save ``path`` if given.

        ``alt`` (or the board's own :attr:`alt`) says in words what the figure shows: the alt text of its image.
        """
        _describe(self.fig, alt or self.alt)
        x0, x1, y0, y1 = self._extent
        self.ax.set_xlim(x0 - 0.3, x1 + 0.3)
        self.ax.set_ylim(y1 + 0.3, y0 - 0.3)
        extra = 1.2 if len(self.fig.axes) > 1 else 0.0  # a colour bar
        self.fig.set_size_inches(self.cell * (x1 - x0 + 0.6) + extra, self.cell * (y1 - y0 + 0.6))
        self.fig.subplots_adjust(left=0.01, right=0.99 if not extra else 0.9, top=0.99, bottom=0.01)
        if path is not None:
            self.fig.savefig(path, format="png", dpi=100)
        return self.fig


def _luminance(rgba: Sequence[float]) -> float:
    r, g, b = rgba[:3]
    return 0.299 * r + 0.587 * g + 0.114 * b
