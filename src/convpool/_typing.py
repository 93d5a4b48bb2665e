"""The types that convpool's signatures share: one home, imported by the annotations.

Importing this module costs what ``typing`` and ``numpy.typing`` cost (both light, and
NumPy is loaded anyway): ``import convpool`` still imports nothing but NumPy.

Arrays in, arrays out:

- :data:`ArrayIn` is what a public function accepts as an array: NumPy's
  ``ArrayLike`` (arrays, nested sequences, scalars) or an :class:`ArrayObject`.
- :class:`ArrayObject` is any library's array, structurally: a ``shape``, a
  ``dtype`` and indexing. NumPy's ``ArrayLike`` already admits PyTorch, JAX, CuPy and
  ``array_api_strict`` arrays (through ``__array__``), but Dask leaves its arrays
  untyped and the array API standard promises no ``__array__``; the protocol
  keeps every array convpool dispatches on (``docs/arrays.md``) acceptable.
- The result follows the batch argument (``images``, or ``grad_output`` for a
  backward pass): a NumPy array or an array-like gives a NumPy array, any other
  library's array gives an array of its own type (:data:`ArrayT`). The
  decorators at the end give a public function these three overloads
  (``NDArray``, then ``ArrayT``, then ``ArrayLike``: a NumPy array is an
  ``ArrayObject`` too, and a PyTorch tensor is ``ArrayLike`` too, so the order
  decides) for whatever other arguments it has, so that the function keeps one
  signature, its own (``docs/releases.md``, Types).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, Concatenate, Literal, ParamSpec, Protocol, SupportsIndex, TypeVar, cast, overload

import numpy as np
import numpy.typing as npt

__all__ = [
    "ArrayIn",
    "ArrayObject",
    "ArrayT",
    "DType",
    "FilePath",
    "FloatArray",
    "PadMode",
    "Padding",
    "Shape",
    "Size",
    "typed_conv",
    "typed_conv_backward",
    "typed_conv_options",
    "typed_pool",
    "typed_pool_backward",
    "typed_transpose_backward",
]


class ArrayObject(Protocol):
    """An array of any library, as convpool's doors see it: a shape, a dtype, and indexing."""

    @property
    def shape(self) -> Any: ...

    @property
    def dtype(self) -> Any: ...

    def __getitem__(self, key: Any, /) -> Any: ...


#: A public function's array argument: NumPy's ``ArrayLike`` or another library's array.
ArrayIn = npt.ArrayLike | ArrayObject
#: An array of the caller's library, returned as it came (see the overloads of the public functions).
ArrayT = TypeVar("ArrayT", bound=ArrayObject)
#: A NumPy result: convolutions give floating point (integers and bools in give float64).
FloatArray = npt.NDArray[np.floating[Any]]
#: ``numpy.pad``'s modes that convpool accepts as ``pad_mode``.
PadMode = Literal["constant", "edge", "reflect", "symmetric", "wrap"]
#: A file's path, as ``open`` takes it.
FilePath = str | os.PathLike[str]
#: A shape, or the sizes of the spatial axes.
Shape = tuple[int, ...]
#: One size for every spatial axis, or one per axis (``stride=2``, ``stride=(2, 1)``); NumPy integers too.
Size = SupportsIndex | Sequence[SupportsIndex]
#: ``'valid' | 'same' | 'full'``, one width for all sides, ``(ph, pw)`` or ``((top, bottom), (left, right))``.
Padding = str | SupportsIndex | Sequence[SupportsIndex] | Sequence[Sequence[SupportsIndex]]
#: The ``dtype=`` of the public functions: ``None`` (the inputs decide) or a NumPy floating type.
DType = npt.DTypeLike | None

_P = ParamSpec("_P")
_AnyArray = npt.NDArray[Any]


# Each protocol is the type of one kind of public function: its batch argument (named as the function
# names it) decides the result's type, the rest (_P) is the function's own signature. Not instantiated.
# The last overload takes the whole ArrayIn union (convpool's own adapters pass their argument on):
# which library it holds is not known there, so neither is the result.


class _Conv(Protocol[_P]):
    @overload
    def __call__(self, images: _AnyArray, *args: _P.args, **kwargs: _P.kwargs) -> FloatArray: ...
    @overload
    def __call__(self, images: ArrayT, *args: _P.args, **kwargs: _P.kwargs) -> ArrayT: ...
    @overload
    def __call__(self, images: npt.ArrayLike, *args: _P.args, **kwargs: _P.kwargs) -> FloatArray: ...
    @overload
    def __call__(self, images: ArrayIn, *args: _P.args, **kwargs: _P.kwargs) -> Any: ...


class _Pool(Protocol[_P]):
    # max and min pooling keep the input's dtype, so a NumPy result's is not known here
    @overload
    def __call__(self, images: _AnyArray, *args: _P.args, **kwargs: _P.kwargs) -> _AnyArray: ...
    @overload
    def __call__(self, images: ArrayT, *args: _P.args, **kwargs: _P.kwargs) -> ArrayT: ...
    @overload
    def __call__(self, images: npt.ArrayLike, *args: _P.args, **kwargs: _P.kwargs) -> _AnyArray: ...
    @overload
    def __call__(self, images: ArrayIn, *args: _P.args, **kwargs: _P.kwargs) -> Any: ...


class _ConvBackward(Protocol[_P]):
    # wrt= leaves the gradient it does not ask for None
    @overload
    def __call__(
        self, grad_output: _AnyArray, *args: _P.args, **kwargs: _P.kwargs
    ) -> tuple[FloatArray | None, FloatArray | None]: ...
    @overload
    def __call__(
        self, grad_output: ArrayT, *args: _P.args, **kwargs: _P.kwargs
    ) -> tuple[ArrayT | None, ArrayT | None]: ...
    @overload
    def __call__(
        self, grad_output: npt.ArrayLike, *args: _P.args, **kwargs: _P.kwargs
    ) -> tuple[FloatArray | None, FloatArray | None]: ...
    @overload
    def __call__(self, grad_output: ArrayIn, *args: _P.args, **kwargs: _P.kwargs) -> tuple[Any, Any]: ...


class _PoolBackward(Protocol[_P]):
    @overload
    def __call__(self, grad_output: _AnyArray, *args: _P.args, **kwargs: _P.kwargs) -> FloatArray: ...
    @overload
    def __call__(self, grad_output: ArrayT, *args: _P.args, **kwargs: _P.kwargs) -> ArrayT: ...
    @overload
    def __call__(self, grad_output: npt.ArrayLike, *args: _P.args, **kwargs: _P.kwargs) -> FloatArray: ...
    @overload
    def __call__(self, grad_output: ArrayIn, *args: _P.args, **kwargs: _P.kwargs) -> Any: ...


class _TransposeBackward(Protocol[_P]):
    @overload
    def __call__(
        self, grad_output: _AnyArray, *args: _P.args, **kwargs: _P.kwargs
    ) -> tuple[FloatArray, FloatArray]: ...
    @overload
    def __call__(self, grad_output: ArrayT, *args: _P.args, **kwargs: _P.kwargs) -> tuple[ArrayT, ArrayT]: ...
    @overload
    def __call__(
        self, grad_output: npt.ArrayLike, *args: _P.args, **kwargs: _P.kwargs
    ) -> tuple[FloatArray, FloatArray]: ...
    @overload
    def __call__(self, grad_output: ArrayIn, *args: _P.args, **kwargs: _P.kwargs) -> tuple[Any, Any]: ...


# The decorators return the function itself: at run time nothing changes, not even its signature.


def typed_conv(function: Callable[Concatenate[Any, _P], Any]) -> _Conv[_P]:
    """A convolution's overloads: a float NumPy array, or an array of the caller's library."""
    return cast("_Conv[_P]", function)


def typed_conv_options(function: Callable[..., Any]) -> _Conv[...]:
    """:func:`typed_conv` for a function with ``**options`` (which its batch could also come through,
    by keyword, so mypy does not let ``Concatenate`` take it apart): the batch and the result are typed,
    the other arguments left open (they go on to :func:`convpool.convolve`, which checks them)."""
    return cast("_Conv[...]", function)


def typed_pool(function: Callable[Concatenate[Any, _P], Any]) -> _Pool[_P]:
    """Pooling's overloads: a NumPy array (max/min keep the dtype), or an array of the caller's library."""
    return cast("_Pool[_P]", function)


def typed_conv_backward(function: Callable[Concatenate[Any, _P], Any]) -> _ConvBackward[_P]:
    """A convolution's gradients, each ``None`` where ``wrt`` leaves it out, following ``grad_output``."""
    return cast("_ConvBackward[_P]", function)


def typed_pool_backward(function: Callable[Concatenate[Any, _P], Any]) -> _PoolBackward[_P]:
    """Pooling's input gradient, following ``grad_output``."""
    return cast("_PoolBackward[_P]", function)


def typed_transpose_backward(function: Callable[Concatenate[Any, _P], Any]) -> _TransposeBackward[_P]:
    """A transposed convolution's two gradients, following ``grad_output``."""
    return cast("_TransposeBackward[_P]", function)
