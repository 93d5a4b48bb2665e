"""Figures (matplotlib, an optional extra: ``pip install convpool[plot]``)."""

from __future__ import annotations

import numpy as np


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("convpool's figures need matplotlib: pip install 'convpool[plot]'") from exc
    return plt


def _show(ax, image: np.ndarray, title: str) -> None:
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


def tasks_figure(runs, path) -> None:
    """One row per task: the first input image, then each of its result maps.

    Parameters
    ----------
    runs : list of convpool.demo.TaskRun
    path : str or Path, PNG file to write
    """
    plt = _pyplot()
    cols = 1 + max(len(run.panels()) for run in runs)
    fig, axes = plt.subplots(len(runs), cols, figsize=(2.0 * cols, 2.1 * len(runs)), squeeze=False)
    for row, run in zip(axes, runs, strict=True):
        _show(row[0], run.images[0], f"{run.name}\ninput {run.images.shape[1:]}")
        maps = run.panels()
        for i, ax in enumerate(row[1:]):
            if i < len(maps):
                _show(ax, maps[i], f"{run.call}\noutput {maps[i].shape}")
            else:
                ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=80)
    plt.close(fig)
