"""The kernel bank: named image filters as NumPy arrays, and a parser for kernel strings.

Every kernel is used by cross-correlation (the kernel is not flipped), as in
:func:`convpool.convolve`. So ``sobel_x`` is positive where the image gets
brighter to the right, and ``emboss`` lights up edges facing the bottom right.

Two-dimensional kernels ``(kh, kw)`` are image filters: :func:`apply` runs one
over every channel of a batch. ``box``, ``gaussian``, ``identity``,
``laplacian`` and ``sobel`` take ``ndim`` (default 2): ``ndim=3`` gives volume
filters ``(kd, kh, kw)`` and ``ndim=1`` signal filters, which :func:`apply`
runs over batches of volumes ``(m, d, h, w, c)`` and signals ``(m, l, c)``.
The exercise's example kernels keep their own shapes: ``spec_sharpen`` is
``(3, 3, 3)`` (for :func:`convpool.convolve_channels`) and ``spec_kernels`` is
``(3, 3, 3, 3)`` (for :func:`convpool.convolve`).

Examples
--------
>>> from convpool import kernels
>>> kernels.sobel_x()
array([[-1.,  0.,  1.],
       [-2.,  0.,  2.],
       [-1.,  0.,  1.]])
>>> kernels.parse("box:size=2")
array([[0.25, 0.25],
       [0.25, 0.25]])
>>> kernels.parse("1,0,-1;2,0,-2").shape
(2, 3)
>>> kernels.parse("gaussian:size=5,sigma=1,ndim=3").shape
(5, 5, 5)
"""

from __future__ import annotations

import inspect
import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _kernel_axes as _axes
from . import exercise
from ._filtering import apply
from ._kernel_axes import checked_ndim, outer

__all__ = [
    "BANK",
    "apply",
    "box",
    "describe",
    "emboss",
    "gaussian",
    "get",
    "identity",
    "laplacian",
    "names",
    "outline",
    "parse",
    "prewitt_x",
    "prewitt_y",
    "scharr_x",
    "scharr_y",
    "sharpen",
    "sobel",
    "sobel_x",
    "sobel_y",
    "spec_edge",
    "spec_kernels",
    "spec_sharpen",
]


#: Largest bank kernel side: far beyond any useful image filter, small enough to build instantly.
MAX_SIZE = 1025


def _odd_size(size: object, name: str = "size", ndim: int = 2) -> int:
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 1 <= size <= MAX_SIZE:
        raise ValueError(f"{name} must be an int from 1 to {MAX_SIZE}, got {size!r}")
    if size**ndim > MAX_SIZE**2:  # the taps of the largest 2-D kernel, whatever the number of axes
        raise ValueError(f"{name}={size} with ndim={ndim} would make {size**ndim} taps, more than {MAX_SIZE**2}")
    return int(size)


def identity(size: int = 3, ndim: int = 2) -> np.ndarray:
    """A single 1 in the middle of a ``size`` x ``size`` grid (``ndim`` axes): leaves the image unchanged.

    For an even ``size`` the 1 sits at ``((size - 1) // 2, (size - 1) // 2)``, the
    cell that ``'same'`` padding (the odd cell after) lines up with each pixel.
    """
    ndim = checked_ndim(ndim)
    size = _odd_size(size, ndim=ndim)
    k = np.zeros((size,) * ndim)
    k[((size - 1) // 2,) * ndim] = 1.0
    return k


def box(size: int = 3, ndim: int = 2) -> np.ndarray:
    """Mean of a ``size`` x ``size`` neighbourhood (``ndim`` axes; box blur): every tap is ``1 / size**ndim``."""
    ndim = checked_ndim(ndim)
    size = _odd_size(size, ndim=ndim)
    return np.full((size,) * ndim, 1.0 / size**ndim)


def gaussian(size: int = 5, sigma: float = 1.0, ndim: int = 2) -> np.ndarray:
    """Gaussian blur: ``k[a, b] ∝ exp(-((a - r)**2 + (b - r)**2) / (2 sigma**2))``, summing to 1.

    ``r = (size - 1) / 2`` is the centre. A larger ``sigma`` blurs more; take
    ``size`` about ``6 * sigma`` so the tails are not cut off. ``ndim=3`` gives
    the volume kernel ``(size, size, size)``, the outer product of the same profile.
    """
    ndim = checked_ndim(ndim)
    size = _odd_size(size, ndim=ndim)
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float, np.number)) or not 0 < sigma < np.inf:
        raise ValueError(f"sigma must be a positive finite number, got {sigma!r}")
    offsets = np.arange(size) - (size - 1) / 2
    # (offsets / sigma) ** 2, not offsets**2 / sigma**2: sigma**2 overflows or underflows at extremes
    with np.errstate(over="ignore", under="ignore"):
        line = np.exp(-0.5 * (offsets / float(sigma)) ** 2)
    if not line.any():  # sigma so small that even the nearest taps vanish (even size): the limit is a box of the middle
        line = (np.abs(offsets) == np.abs(offsets).min()).astype(float)
    k = outer([line] * ndim)
    return k / k.sum()


def sharpen() -> np.ndarray:
    """Sharpen: the pixel times 5 minus its four neighbours (the image plus its negative Laplacian)."""
    return np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]])


def laplacian(neighbours: int = 4, ndim: int = 2) -> np.ndarray:
    """Discrete Laplacian: zero on flat areas and ramps, large on edges and fine detail.

    ``neighbours=4`` uses up, down, left, right (centre -4); ``neighbours=8``
    adds the diagonals (centre -8). With ``ndim`` axes: ``2 * ndim`` face
    neighbours (6 in a volume) or all ``3**ndim - 1`` (26 in a volume).
    """
    return _axes.laplacian(neighbours, checked_ndim(ndim))


def _gradient_x(centre: float, side: float) -> np.ndarray:
    """Right column minus left column, rows weighted ``side, centre, side``."""
    weights = np.array([side, centre, side])[:, None]
    return weights * np.array([-1.0, 0.0, 1.0])


def sobel(axis: int = -1, ndim: int = 2) -> np.ndarray:
    """Sobel gradient along ``axis`` of ``ndim``: ``[-1, 0, 1]`` along it, smoothed ``[1, 2, 1]`` along every other.

    Positive where the image gets brighter along ``axis`` (the last axis, to the
    right, by default): ``sobel(1)`` is ``sobel_x``, ``sobel(0)`` is ``sobel_y``,
    ``sobel(0, ndim=3)`` the gradient through the slices of a volume.
    """
    return _axes.sobel(axis, checked_ndim(ndim))


def sobel_x() -> np.ndarray:
    """Sobel horizontal gradient: positive where the image gets brighter to the right (finds vertical edges)."""
    return _gradient_x(2.0, 1.0)


def sobel_y() -> np.ndarray:
    """Sobel vertical gradient: positive where the image gets brighter downwards (finds horizontal edges)."""
    return sobel_x().T.copy()


def prewitt_x() -> np.ndarray:
    """Prewitt horizontal gradient: like ``sobel_x`` with equal row weights (less smoothing)."""
    return _gradient_x(1.0, 1.0)


def prewitt_y() -> np.ndarray:
    """Prewitt vertical gradient: like ``sobel_y`` with equal column weights."""
    return prewitt_x().T.copy()


def scharr_x() -> np.ndarray:
    """Scharr horizontal gradient: weights 3, 10, 3, closer to rotation-invariant than Sobel."""
    return _gradient_x(10.0, 3.0)


def scharr_y() -> np.ndarray:
    """Scharr vertical gradient: the transpose of ``scharr_x``."""
    return scharr_x().T.copy()


def emboss() -> np.ndarray:
    """Emboss: edges look raised, lit from the top left; flat areas keep their value."""
    return np.array([[-2.0, -1.0, 0.0], [-1.0, 1.0, 1.0], [0.0, 1.0, 2.0]])


def outline() -> np.ndarray:
    """Outline: eight times the pixel minus its eight neighbours; black on flat areas, bright on edges."""
    return np.array([[-1.0, -1.0, -1.0], [-1.0, 8.0, -1.0], [-1.0, -1.0, -1.0]])


def spec_edge() -> np.ndarray:
    """The exercise's edge kernel ``[[1, 0, -1]] * 3`` (tasks 0-3): left minus right, finds vertical edges."""
    return exercise.EDGE.astype(np.float64)


def spec_sharpen() -> np.ndarray:
    """The exercise's channel kernel, shape ``(3, 3, 3)`` (task 4): sharpen, summed over the three channels."""
    return exercise.SHARPEN.astype(np.float64)


def spec_kernels() -> np.ndarray:
    """The exercise's three kernels, shape ``(3, 3, 3, 3)`` (task 5), for :func:`convpool.convolve`."""
    return exercise.BANK.astype(np.float64)


#: Name -> function, in the order ``convpool kernels`` lists them.
BANK: dict[str, Callable[..., np.ndarray]] = {
    fn.__name__: fn
    for fn in (
        identity,
        box,
        gaussian,
        sharpen,
        laplacian,
        sobel,
        sobel_x,
        sobel_y,
        prewitt_x,
        prewitt_y,
        scharr_x,
        scharr_y,
        emboss,
        outline,
        spec_edge,
        spec_sharpen,
        spec_kernels,
    )
}
_ALIASES = {"mean": "box", "edge": "spec_edge"}


def names() -> list[str]:
    """Names of the bank, in listing order (``mean`` and ``edge`` are accepted as aliases)."""
    return list(BANK)


def _canonical(name: str) -> str:
    key = name.strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key not in BANK:
        raise ValueError(f"unknown kernel {name!r}; the bank has: {', '.join(BANK)}")
    return key


def _parameters(name: str) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(BANK[name]).parameters)


def describe(name: str) -> str:
    """``name(param=default, ...)``: how to call a bank kernel, e.g. ``gaussian(size=5, sigma=1.0)``."""
    key = _canonical(name)
    params = ", ".join(f"{p.name}={p.default!r}" for p in _parameters(key).values())
    return f"{key}({params})"


def get(name: str, **params: Any) -> np.ndarray:
    """The bank kernel ``name`` built with ``params``; ``ValueError`` for an unknown name or parameter.

    >>> float(get("laplacian", neighbours=8)[1, 1])
    -8.0
    """
    key = _canonical(name)
    known = _parameters(key)
    unknown = sorted(set(params) - set(known))
    if unknown:
        accepted = ", ".join(known) or "no parameters"
        raise ValueError(f"kernel {key!r} takes {accepted}; got {', '.join(unknown)}")
    return BANK[key](**params)


def _number(text: str, what: str) -> float | int:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what} must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {text!r}")
    return value


def _parse_named(spec: str) -> np.ndarray:
    name, _, rest = spec.partition(":")
    key = _canonical(name)
    params: dict[str, float | int] = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        pname, eq, value = item.partition("=")
        if not eq:
            raise ValueError(
                f"kernel parameters are NAME=VALUE separated by commas, e.g. gaussian:size=7,sigma=2; got {item!r}"
            )
        params[pname.strip()] = _number(value.strip(), f"parameter {pname.strip()!r}")
    return get(key, **params)


def _parse_matrix(spec: str) -> np.ndarray:
    rows = [row.strip() for row in spec.strip().strip(";").split(";")]
    cells = [[_number(v.strip(), "every matrix entry") for v in row.split(",")] for row in rows]
    widths = {len(row) for row in cells}
    if len(widths) != 1:
        raise ValueError(
            f"every row of an inline kernel needs the same number of entries, got row lengths {sorted(widths)}"
        )
    return np.array(cells, dtype=np.float64)


def parse(spec: str) -> np.ndarray:
    """A kernel from a string, as the command line takes it.

    Accepted forms:

    - a bank name, optionally with parameters: ``sobel_x``, ``gaussian:size=7,sigma=2``
      (``-`` and ``_`` are the same in names);
    - an inline matrix, rows separated by ``;`` and entries by ``,``: ``'1,0,-1;1,0,-1;1,0,-1'``;
    - a path to a ``.npy`` file holding a 2-, 3- or 4-D array.

    Returns
    -------
    ndarray, float64 (2-D for names and matrices)

    Raises
    ------
    TypeError
        If ``spec`` is not a string.
    ValueError
        With one line saying what was wrong and what is accepted.
    """
    accepted = "a bank name (see `convpool kernels`), an inline matrix like '1,0,-1;2,0,-2' or a .npy file"
    if not isinstance(spec, str):
        raise TypeError(f"spec must be a string: {accepted}; got {spec!r}")
    if not spec.strip():
        raise ValueError(f"a kernel must be {accepted}")
    text = spec.strip()
    if text.lower().endswith(".npy"):
        return _load_npy(text)
    if text[0].isalpha() or text[0] == "_":
        return _parse_named(text)
    return _parse_matrix(text)


def _load_npy(path: str) -> np.ndarray:
    if not os.path.isfile(path):
        raise ValueError(f"kernel file {path!r} does not exist")
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ValueError(f"kernel file {path!r} is not a readable .npy array: {exc}") from None
    if array.dtype.kind not in "biuf" or array.ndim not in (2, 3, 4) or 0 in array.shape:
        raise ValueError(
            f"kernel file {path!r} must hold a non-empty real 2-D (kh, kw), 3-D (kh, kw, c) or "
            f"4-D (kh, kw, c, nc) array, got {array.dtype} shape {array.shape}"
        )
    return array.astype(np.float64)
