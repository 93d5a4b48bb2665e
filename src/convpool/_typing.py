"""The type aliases that convpool's signatures share: one home, imported by annotations only.

Importing this module costs what ``typing`` and ``numpy.typing`` cost (both light, and
NumPy is loaded anyway): ``import convpool`` still imports nothing but NumPy.

Arrays in, arrays out:

- :data:`ArrayIn` is what a public function accepts as an array: NumPy's
  ``ArrayLike`` (arrays, nested sequences, scalars) or an :class:`ArrayObject`.
- :class:`ArrayObject` is any library's array, structurally: a ``shape`` and a
  ``dtype``. NumPy's ``ArrayLike`` already admits PyTorch, JAX, CuPy and
  ``array_api_strict`` arrays (through ``__array__``), but Dask leaves its arrays
  untyped and the array API standard promises no ``__array__``; the protocol
  keeps every array convpool dispatches on (``docs/arrays.md``) acceptable.
- :data:`ArrayT` is the type variable of the overloads whose result is an array
  of the caller's own library: a PyTorch tensor in, a PyTorch tensor out.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

__all__ = [
    "ArrayIn",
    "ArrayObject",
    "ArrayT",
    "FloatArray",
    "PadMode",
    "Padding",
    "Pair",
    "Shape",
]


class ArrayObject(Protocol):
    """An array of any library, as convpool's doors see it: a shape and a dtype."""

    @property
    def shape(self) -> Any: ...

    @property
    def dtype(self) -> Any: ...


#: A public function's array argument: NumPy's ``ArrayLike`` or another library's array.
ArrayIn = npt.ArrayLike | ArrayObject
#: An array of the caller's library, returned as it came (see the overloads of the public functions).
ArrayT = TypeVar("ArrayT", bound=ArrayObject)
#: A NumPy result: convolutions give floating point (integers and bools in give float64).
FloatArray = npt.NDArray[np.floating[Any]]
#: ``numpy.pad``'s modes that convpool accepts as ``pad_mode``.
PadMode = Literal["constant", "edge", "reflect", "symmetric", "wrap"]
#: A shape, or the sizes of the spatial axes.
Shape = tuple[int, ...]
#: One number for every axis, or one per axis (``stride=2``, ``stride=(2, 1)``).
Pair = int | tuple[int, int]
#: ``'valid' | 'same' | 'full'``, one width for all sides, ``(ph, pw)`` or ``((top, bottom), (left, right))``.
Padding = str | int | tuple[int, int] | tuple[tuple[int, int], tuple[int, int]]
