"""Figures of signals and volumes (matplotlib, optional): the guide *Volumes and signals* draws with these.

As everywhere in :mod:`convpool.plot`, the figures show numbers the caller
computed with convpool; the arrays drawn are kept on the figure (a line's
``get_ydata()``, an image's ``get_array()``) so that a test can read them back.
Volumes are shown by their middle slice along each axis (``volume_slices``),
drawn by :func:`convpool.plot.learn.image_row`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._mpl import _describe, _pyplot
from .learn import image_row

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["signal_rows", "volume_row", "volume_slices"]


def signal_rows(
    rows: Sequence[Mapping[str, Any]],
    titles: Sequence[str],
    *,
    height: float = 1.4,
    width: float = 7.0,
    alt: str | None = None,
) -> Figure:
    """One panel per row, each a few labelled signals drawn as lines over their sample positions.

    Parameters
    ----------
    rows : sequence of dict
        Per panel, ``{label: values}`` or ``{label: (positions, values)}``:
        values at ``0 .. l - 1``, or at the given positions (the centres of a
        strided or valid convolution's windows, say).
    titles : sequence of str
        One per panel.
    height, width : float
        Inches per panel, and of the figure.
    alt : str, optional
        The figure's alt text.

    Returns
    -------
    matplotlib.figure.Figure
        Its axes' lines carry the values drawn (``ax.lines[k].get_ydata()``), in the order given.
    """
    plt = _pyplot()
    fig, axes = plt.subplots(len(rows), 1, figsize=(width, height * len(rows)), sharex=True, squeeze=False)
    for ax, row, title in zip(axes[:, 0], rows, titles, strict=True):
        for label, signal in row.items():
            where, values = signal if isinstance(signal, tuple) else (None, np.asarray(signal))
            where = np.arange(len(values)) if where is None else where
            ax.plot(where, values, label=label, linewidth=1.0, marker="." if len(values) < 80 else None)
        ax.legend(fontsize=7, loc="upper right")
        ax.set_title(title, fontsize=8)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    _describe(fig, alt or f"{len(rows)} panels of signals")
    return fig


def volume_slices(volume: np.ndarray, name: str) -> tuple[list[np.ndarray], list[str]]:
    """The middle slice of a volume ``(d, h, w)`` along each axis, and titles naming them.

    Returns ``([volume[d // 2], volume[:, h // 2], volume[:, :, w // 2]], titles)``: the (h, w) plane, the
    (d, w) plane and the (d, h) plane, for :func:`convpool.plot.learn.image_row`.
    """
    d, h, w = volume.shape
    slices = [volume[d // 2], volume[:, h // 2], volume[:, :, w // 2]]
    titles = [
        f"{name}\nslice z={d // 2} (y, x)",
        f"{name}\nplane y={h // 2} (z, x)",
        f"{name}\nplane x={w // 2} (z, y)",
    ]
    return slices, titles


def volume_row(volumes: Sequence[np.ndarray], names: Sequence[str], **options: Any) -> Figure:
    """The middle slices (:func:`volume_slices`) of several volumes in one :func:`~convpool.plot.learn.image_row`."""
    images: list[np.ndarray] = []
    titles: list[str] = []
    for volume, name in zip(volumes, names, strict=True):
        more, words = volume_slices(np.asarray(volume), name)
        images += more
        titles += words
    return image_row(images, titles, **options)
