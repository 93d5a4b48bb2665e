"""Batch figures: inputs above results, kernels as heat maps, a kernel gallery (matplotlib, optional)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .._typing import FilePath

from ._mpl import _pyplot, _save, _show


def before_after(
    before: npt.ArrayLike,
    after: npt.ArrayLike,
    path: FilePath,
    *,
    titles: tuple[str, str] = ("input", "output"),
    limit: int = 8,
) -> None:
    """Side-by-side grid of a batch: inputs on the top row, results below.

    Parameters
    ----------
    before : array_like, shape (m, h, w) or (m, h, w, c)
    after : array_like, shape (m, oh, ow) or (m, oh, ow, c)
    path : str or Path, PNG file to write
    titles : (str, str), labels of the two rows
    limit : int, at most this many images (the first ones)
    """
    plt = _pyplot()
    before, after = np.asarray(before), np.asarray(after)
    m = min(len(before), len(after), limit)
    fig, axes = plt.subplots(2, max(m, 1), figsize=(2.0 * max(m, 1), 4.4), squeeze=False)
    for col in range(m):
        for row, (batch, title) in enumerate(zip((before, after), titles, strict=True)):
            image = batch[col]
            if image.ndim == 3 and image.shape[2] == 1:
                image = image[..., 0]
            _show(axes[row][col], image, f"{title} {col} {image.shape}")
    fig.tight_layout()
    _save(fig, path)


def kernel_heatmap(
    kernel: npt.ArrayLike, ax: Axes | None = None, *, title: str | None = None, path: FilePath | None = None
) -> Axes:
    """A 2-D kernel as a heat map with its numbers written in the cells.

    Colours are centred on zero (blue negative, red positive), so a kernel's
    sign pattern reads at a glance. Draws on ``ax`` (a new figure if ``None``);
    writes ``path`` (PNG) if given. Returns the axes.
    """
    plt = _pyplot()
    k = np.asarray(kernel, dtype=np.float64)
    if k.ndim != 2:
        raise ValueError(f"kernel must be 2-D (kh, kw) to draw, got shape {k.shape}")
    own = ax is None
    if ax is None:
        fig, ax = plt.subplots(figsize=(0.5 * k.shape[1] + 1, 0.5 * k.shape[0] + 1))
    top = float(np.abs(k).max()) or 1.0
    ax.imshow(k, cmap="coolwarm", vmin=-top, vmax=top)
    if k.size <= 81:  # numbers stay legible up to 9 x 9
        size = 8 if max(k.shape) <= 3 else 5
        for (a, b), v in np.ndenumerate(k):
            ax.text(b, a, f"{v:.2g}", ha="center", va="center", fontsize=size)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=8)
    if own and path is not None:
        fig.tight_layout()
        _save(fig, path)
    return ax


def kernel_gallery(
    image: np.ndarray,
    named_results: Mapping[str, np.ndarray],
    named_kernels: Mapping[str, np.ndarray],
    path: FilePath,
    *,
    cols: int = 4,
) -> None:
    """Every kernel next to what it does to ``image``.

    Parameters
    ----------
    image : ndarray, shape (h, w) or (h, w, 3), the original
    named_results : dict name -> ndarray (h', w') or (h', w', 3) of uint8, each filtered image
    named_kernels : dict name -> ndarray, the kernels (2-D drawn as heat maps; others by shape)
    path : str or Path, PNG file to write
    cols : int, kernels per row (each takes a heat map and an image)
    """
    plt = _pyplot()
    entries = [("original", None, image), *((n, named_kernels[n], named_results[n]) for n in named_results)]
    rows = -(-len(entries) // cols)
    fig, axes = plt.subplots(rows, 2 * cols, figsize=(3.2 * cols, 1.7 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for index, (name, kernel, result) in enumerate(entries):
        row, col = divmod(index, cols)
        left, right = axes[row][2 * col], axes[row][2 * col + 1]
        if kernel is not None and np.ndim(kernel) == 2:
            left.axis("on")
            kernel_heatmap(kernel, left)
        elif kernel is not None:
            left.text(0.5, 0.5, f"shape\n{np.shape(kernel)}", ha="center", va="center", fontsize=8)
        right.axis("on")
        _show(right, result, name)
    fig.tight_layout()
    _save(fig, path)
