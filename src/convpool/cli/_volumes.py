"""``--3d`` for ``filter`` and ``pool``: a multi-page TIFF's pages, or a 5-D array's axes, as volumes.

Without it a multi-page TIFF is a batch of images, as always. With it (or,
for ``filter``, a kernel named with ``ndim=3``) a TIFF stack is one volume
``(1, pages, h, w, c)`` whose pages are depth, and a ``.npy`` or Zarr array
``(m, d, h, w[, c])`` is a batch of volumes; the results are written back as
a multi-page TIFF, ``.npy`` or Zarr. Inputs that cannot be volumes (a
single-page image, a sample photo) are refused before any work, so nothing
is written (:func:`convpool.cli._io.check_volume_inputs`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ._common import per_axis, per_axis_padding


def add_option(parser: argparse.ArgumentParser, implied: str = "") -> None:
    """The ``--3d`` flag (``args.volumes``)."""
    parser.add_argument(
        "--3d",
        dest="volumes",
        action="store_true",
        help="volumes: a multi-page TIFF's pages are depth (one volume), a .npy or Zarr array is (m, d, h, w[, c]); "
        f"sizes take DxHxW{implied}",
    )


def fit_options(args: argparse.Namespace, names: tuple[str, ...]) -> int:
    """Fit the per-axis options ``names`` and ``--padding`` to the run's spatial axes; returns them (2 or 3)."""
    d = 3 if args.volumes else 2
    for name in names:
        value = getattr(args, name)
        if value is not None:
            setattr(args, name, per_axis(value, d, f"--{name}"))
    args.padding = per_axis_padding(args.padding, d)
    return d


def read(src: Path) -> tuple[np.ndarray, tuple[str, ...]]:
    """An input as volumes ``(m, d, h, w, c)`` and notes on it: a TIFF stack as one volume, a ``.npy`` as it is."""
    from ..io import images

    what = images.kind(src)
    if what == "image":
        pages = images.read_pages(src)
        if len(pages) == 1:  # checked before any work for named files; this is for `-` (standard input)
            raise ValueError("a single-page image is not a volume; --3d takes a multi-page TIFF (pages = depth)")
        volume = (pages[..., None] if pages.ndim == 3 else pages)[None]
        return volume, (f"its {len(pages)} pages are read as one volume",)
    if what == "npy":
        return _read_npy(src), ()
    raise ValueError("volumes (--3d) are read from multi-page TIFF, .npy or Zarr inputs")


def _read_npy(path: Path) -> np.ndarray:
    """A ``.npy`` batch of volumes ``(m, d, h, w)`` or ``(m, d, h, w, c)``, as 5-D."""
    from ..io.images import check_npy_size

    check_npy_size(path)  # before it is read whole
    array = np.load(path, allow_pickle=False)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"holds {array.dtype} values, not real numbers")
    if array.ndim not in (4, 5):
        raise ValueError(f"a batch of volumes must be 4-D (m, d, h, w) or 5-D (m, d, h, w, c), got shape {array.shape}")
    return array[..., None] if array.ndim == 4 else array
