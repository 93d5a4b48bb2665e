"""Embedded sample images: real photo content in the spec's batch shapes.

Crops and downscales of four free photos (licences in ``LICENSES.md`` beside
this file, also as :data:`LICENSES`), built by ``tools/make_sample_data.py``.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

__all__ = ["LICENSES", "PHOTOS", "grayscale_batch", "photo", "rgb_batch"]

#: Names accepted by :func:`photo`.
PHOTOS = ("camera", "astronaut", "chelsea", "coffee")

LICENSES = resources.files(__name__).joinpath("LICENSES.md").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _arrays() -> dict[str, np.ndarray]:
    with resources.files(__name__).joinpath("samples.npz").open("rb") as f, np.load(f) as npz:
        return {key: npz[key] for key in npz.files}


def _first(key: str, m: int | None) -> np.ndarray:
    batch = _arrays()[key]
    if m is not None:
        if isinstance(m, bool) or not isinstance(m, int) or not 0 <= m <= len(batch):
            raise ValueError(f"m must be an int from 0 to {len(batch)}, got {m!r}")
        batch = batch[:m]
    return batch.copy()


def grayscale_batch(m: int | None = None) -> np.ndarray:
    """Grayscale crops shaped like the spec's MNIST batch.

    Parameters
    ----------
    m : int, optional
        How many (at most 64); all by default.

    Returns
    -------
    ndarray, shape (m, 28, 28), uint8
    """
    return _first("gray", m)


def rgb_batch(m: int | None = None) -> np.ndarray:
    """Colour crops shaped like the spec's animals batch.

    Parameters
    ----------
    m : int, optional
        How many (at most 64); all by default.

    Returns
    -------
    ndarray, shape (m, 32, 32, 3), uint8
    """
    return _first("rgb", m)


def photo(name: str) -> np.ndarray:
    """One sample photo, at most 256 pixels a side.

    Parameters
    ----------
    name : {'camera', 'astronaut', 'chelsea', 'coffee'}
        ``'camera'`` is grayscale ``(256, 256)``; the others are RGB ``(h, w, 3)``.

    Returns
    -------
    ndarray, uint8
    """
    if name not in PHOTOS:
        raise ValueError(f"name must be one of {', '.join(map(repr, PHOTOS))}, got {name!r}")
    return _arrays()[f"photo_{name}"].copy()
