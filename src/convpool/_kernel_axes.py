"""The kernel bank's arithmetic in any number of spatial axes (``ndim=``): what ``convpool.kernels`` builds on.

NumPy only; ``convpool.kernels`` holds the public functions and their documentation.
"""

from __future__ import annotations

import numpy as np

#: Spatial axes a bank kernel may have (``ndim=``): signals, images, volumes, and volumes over time.
MAX_NDIM = 4


def checked_ndim(ndim) -> int:
    """``ndim``: the kernel's number of spatial axes, an int from 1 to :data:`MAX_NDIM`."""
    if isinstance(ndim, bool) or not isinstance(ndim, (int, np.integer)) or not 1 <= ndim <= MAX_NDIM:
        raise ValueError(f"ndim must be an int from 1 to {MAX_NDIM} (spatial axes of the kernel), got {ndim!r}")
    return int(ndim)


def outer(lines) -> np.ndarray:
    """``lines[0][a] * lines[1][b] * ...``: a separable kernel from one 1-D profile per axis."""
    k = np.ones(())
    for line in lines:
        k = np.multiply.outer(k, line)
    return k


def laplacian(neighbours, ndim: int) -> np.ndarray:
    """``-neighbours`` in the middle of a ``3**ndim`` grid, 1 at the ``2 * ndim`` face neighbours or at all of them."""
    faces, every = 2 * ndim, 3**ndim - 1
    if isinstance(neighbours, bool) or neighbours not in (faces, every):
        raise ValueError(f"neighbours must be {faces} or {every} for ndim={ndim}, got {neighbours!r}")
    centre = (1,) * ndim
    k = np.ones((3,) * ndim) if neighbours == every else np.zeros((3,) * ndim)
    for axis in range(ndim if neighbours == faces else 0):
        for side in (0, 2):
            k[centre[:axis] + (side,) + centre[axis + 1 :]] = 1.0
    k[centre] = -float(neighbours)
    return k


def sobel(axis, ndim: int) -> np.ndarray:
    """``[-1, 0, 1]`` along ``axis``, ``[1, 2, 1]`` along every other axis."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"axis must be an int from {-ndim} to {ndim - 1} for ndim={ndim}, got {axis!r}")
    axis = int(axis) % ndim
    return outer(np.array([-1.0, 0.0, 1.0]) if a == axis else np.array([1.0, 2.0, 1.0]) for a in range(ndim))
