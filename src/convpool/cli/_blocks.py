"""A batch computed in blocks of images: bounded memory and a progress bar (``filter`` and ``pool``)."""

from __future__ import annotations

import numpy as np

from ._common import progress

#: Bytes of input per block when a batch is computed piecewise (for the progress bar and bounded memory).
BLOCK_BYTES = 32 << 20


def _blocks(batch: np.ndarray) -> list[slice]:
    per_image = max(batch[0].nbytes * 8, 1) if len(batch) else 1  # float64 results, a few copies
    step = max(BLOCK_BYTES // per_image, 1)
    return [slice(i, i + step) for i in range(0, len(batch), step)] or [slice(0, 0)]


def compute(batch: np.ndarray, fn, args, label: str) -> np.ndarray:
    """``fn(batch)`` in blocks of images (bounded memory, a progress bar)."""
    blocks = _blocks(batch)
    if len(blocks) == 1:
        return fn(batch)
    parts = [fn(batch[s]) for s in progress(blocks, args, desc=label, unit="block", leave=False)]
    return np.concatenate(parts)
