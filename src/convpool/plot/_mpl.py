"""Shared helpers of the figures: pyplot loaded lazily (matplotlib is optional), number formats, saving."""

from __future__ import annotations

import os
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _pyplot() -> ModuleType:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("convpool's figures need matplotlib: pip install 'convpool[plot]'") from exc
    return plt


def _show(ax: Any, image: np.ndarray, title: str) -> None:
    """Draw one image: RGB uint8 as is, anything else as a gray heat map."""
    if image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8:
        ax.imshow(image)
    elif image.ndim == 3 and image.shape[2] == 3:
        lo, hi = float(image.min()), float(image.max())
        ax.imshow((image - lo) / (hi - lo or 1))
    else:
        ax.imshow(image, cmap="gray")
    ax.set_title(title, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])


def _save(fig: Figure, path: str | os.PathLike[str]) -> None:
    """Write a figure as PNG through a temporary file (``path`` may be a temporary name)."""
    plt = _pyplot()
    fig.savefig(path, format="png", dpi=80)
    plt.close(fig)


def _num(value: Any) -> str:
    """A grid number: integers without a decimal point, others to 3 significant digits."""
    v = float(value)
    return str(int(v)) if v.is_integer() else f"{v:.3g}"


def _weight(value: Any) -> str:
    """A kernel weight short enough for a cell corner: integers as they are, others to 2 significant
    digits without the leading zero (``0.0585`` -> ``.059``, ``-0.25`` -> ``-.25``)."""
    v = float(value)
    if v.is_integer():
        return str(int(v))
    text = f"{v:.2g}"
    return text.replace("0.", ".", 1) if text.lstrip("-").startswith("0.") else text


def _describe(fig: Figure, text: str | None) -> None:
    """Give ``fig`` an alt text: an invisible suptitle, which is what sphinx-gallery writes as the image's alt."""
    if text:
        fig.suptitle(text, visible=False)
