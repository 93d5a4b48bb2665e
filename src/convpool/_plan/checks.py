"""Argument checking at the public boundary.

Every public function runs its arguments through these helpers before any
work. A wrong type is a ``TypeError``, a wrong value or shape a ``ValueError``;
each message names the argument, what is accepted and what was received.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import cast

import numpy as np

from . import memory
from ._shapes import PADDING_WORDS

PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")
POOL_MODES = ("max", "avg", "min", "sum", "lp")
#: ``method=`` of :func:`convpool.convolve`: how the NumPy backend computes (``auto``: its cost model).
CONV_METHODS = ("auto", "direct", "gemm", "fft", "measure")

# Kinds of dtypes convpool computes with: bool, signed, unsigned, float.
_NUMERIC_KINDS = "biuf"
#: Sizes, strides, dilations and padding must stay below this: their sums and products then fit in int64.
COUNT_LIMIT = 2**62


def as_array(value, name: str, ndim: int | None = None, layout: str = "", hints: dict[int, str] | None = None):
    """``np.asarray(value)``: the NumPy door's conversion, checked by :func:`array_meta` when ``ndim`` is given.

    A ``numpy.ma`` masked array is refused (``TypeError``): converting it would silently drop its mask.

    ``layout`` is the expected shape in words, e.g. ``"(m, h, w, c)"``.
    """
    if value is None:
        raise TypeError(f"{name} must be a numeric array of shape {layout}, got None")
    if type(value) is np.ndarray:  # the common case: nothing to convert
        array = value
    else:
        _refuse_grad_tensor(value, name)
        if isinstance(value, np.ma.MaskedArray):  # np.asarray would drop the mask without a word
            raise TypeError(
                f"{name} is a numpy.ma masked array, whose mask convpool would lose: pass {name}.filled(v) "
                f"(masked cells read as v) or {name}.data (the values under the mask)"
            )
        try:
            with warnings.catch_warnings():
                # NumPy < 1.24 only warns (VisibleDeprecationWarning) about ragged nested lists
                warnings.simplefilter("error")
                array = np.asarray(value)
        except (ValueError, TypeError, Warning) as exc:  # ragged nested lists
            raise ValueError(f"{name} must be a rectangular numeric array of shape {layout}: {exc}") from None
    if ndim is not None:
        array_meta(array.shape, array.dtype, name, ndim, layout, hints)
    return array


def array_meta(shape, dtype, name: str, ndim: int, layout: str, hints: dict[int, str] | None = None) -> None:
    """An array of ``shape`` and ``dtype`` must be real-numeric with ``ndim`` dimensions.

    Metadata only, so every door (NumPy, Dask, other libraries) checks the
    real shape; ``hints`` maps a wrong number of dimensions to what to do.
    """
    if np.dtype(dtype).kind not in _NUMERIC_KINDS:
        raise TypeError(f"{name} must hold real numbers (bool, integer or float), got dtype {dtype}")
    if len(shape) != ndim:
        hint = (hints or {}).get(len(shape))
        if hint is None and name == "images" and len(shape) == ndim - 1:  # the commonest slip: one image, no batch
            hint = "for one image use images[None] (a batch of 1)"
        raise ValueError(
            f"{name} must be a {ndim}-D array of shape {layout}, got {len(shape)}-D shape {tuple(shape)}"
            + (f"; {hint}" if hint else "")
        )


def grad_tensor_message(name: str) -> str:
    """What to do with a tensor that records gradients: the one wording for every door."""
    return (
        f"{name} is a torch tensor with requires_grad=True; convpool records no autograd graph: pass "
        f"{name}.detach() (its backward passes are convolve_backward and pool_backward)"
    )


def _refuse_grad_tensor(value, name: str) -> None:
    """A PyTorch tensor that records gradients cannot become a NumPy array: say what to do.

    Recognised by its class's module and attribute, so torch is never imported here.
    """
    if type(value).__module__.split(".")[0] == "torch" and getattr(value, "requires_grad", False) is True:
        raise TypeError(grad_tensor_message(name))


def nonempty(shape, name: str, layout: str, axes) -> None:
    """Reject zero-length axes (``axes`` index into ``shape``)."""
    if any(shape[a] == 0 for a in axes):
        raise ValueError(f"{name} must not be empty along {layout} (batch excepted), got shape {tuple(shape)}")


def _integer(value, name: str, rank: int = 2) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        several = "a pair of ints" if rank == 2 else f"a tuple of {rank} ints"
        raise TypeError(f"{name} must be an int or {several}, got {value!r}")
    return int(value)


def axes_words(rank: int) -> str:
    """``(height, width)``, ``(depth, height, width)``, ...: the spatial axes in a message."""
    from ._shapes import axis_name

    return "(" + ", ".join(axis_name(a, rank) for a in range(rank)) + ")"


def per_axis(value, name: str, rank: int = 2, minimum: int = 1, cause: str = "") -> tuple[int, ...]:
    """An int (every axis) or a tuple of ``rank`` ints, each ``>= minimum``, as a tuple of ``rank`` ints.

    ``cause`` (e.g. ``"; kernels have 3 spatial axes"``) ends the message about a wrong count.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()  # np.array(2) is a scalar, not a sequence
    if isinstance(value, (tuple, list, np.ndarray)):
        items = list(value)
        if len(items) != rank:
            several = "a pair" if rank == 2 else f"a tuple of {rank} ints"
            raise ValueError(
                f"{name} must be an int or {several} {axes_words(rank)}, got {len(items)} values: {value!r}{cause}"
            )
    else:
        items = [value] * rank
    values = tuple(_integer(v, name, rank) for v in items)
    if min(values) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    if max(values) >= COUNT_LIMIT:
        raise ValueError(f"{name} must be < 2**62 (no array has that many cells), got {value!r}")
    return values


def int_pair(value, name: str, minimum: int = 1) -> tuple[int, int]:
    """An int or a pair of ints, each ``>= minimum``, as a pair (:func:`per_axis` of two axes)."""
    return per_axis(value, name, 2, minimum)  # type: ignore[return-value]


def padding(value, rank: int = 2):
    """A padding word, or per-side pairs ``((before, after), ...)``, one per spatial axis.

    Accepted: ``'valid' | 'same' | 'full'``; an int ``p`` (``p`` on every side);
    ``rank`` ints (``(ph, pw)`` in 2-D: ``ph`` top and bottom, ``pw`` left and
    right); ``rank`` pairs ``((top, bottom), (left, right))``. All counts are ints ``>= 0``.
    """
    if rank == 2:
        forms = "(ph, pw) or ((top, bottom), (left, right))"
    else:
        forms = f"a tuple of {rank} ints or of {rank} (before, after) pairs"
    accepted = f"one of {', '.join(repr(w) for w in PADDING_WORDS)}, an int, {forms}"
    if isinstance(value, str):
        if value not in PADDING_WORDS:
            raise ValueError(f"padding must be {accepted}, got {value!r}")
        return value
    if isinstance(value, (tuple, list)):
        if len(value) != rank:
            hint = (
                f" (one axis: write (({value[0]!r}, {value[1]!r}),) for before and after)"
                if rank == 1 and len(value) == 2
                else ""
            )
            raise ValueError(f"padding must be {accepted}, got {len(value)} values: {value!r}{hint}")
        sides = [v if isinstance(v, (tuple, list)) else (v, v) for v in value]
        if any(len(s) != 2 for s in sides):
            raise ValueError(f"padding must be {accepted}, got {value!r}")
    elif isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        sides = [(value, value)] * rank
    else:
        raise TypeError(f"padding must be {accepted}, got {value!r}")
    pairs = tuple(tuple(_padding_count(v, value, accepted) for v in s) for s in sides)
    if min(min(p) for p in pairs) < 0:
        raise ValueError(f"padding must not be negative, got {value!r}")
    if max(max(p) for p in pairs) >= COUNT_LIMIT:
        raise ValueError(f"padding must be < 2**62 (no array has that many cells), got {value!r}")
    return pairs


def _padding_count(v, whole, accepted: str) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
        raise TypeError(f"padding must be {accepted} (counts are ints), got {whole!r}")
    return int(v)


def choice(value, name: str, accepted) -> str:
    """``value`` must be one of the strings in ``accepted``."""
    if not isinstance(value, str) or value not in accepted:
        listed = ", ".join(repr(a) for a in accepted)
        raise ValueError(f"{name} must be one of {listed}, got {value!r}")
    return value


def pad_value(value: object, mode: str) -> float:
    """A real number; only ``pad_mode='constant'`` may use a non-zero one."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"pad_value must be a real number, got {value!r}")
    try:
        float(value)
    except OverflowError:
        raise ValueError(f"pad_value must fit in a float64, got {value!r}") from None
    if mode != "constant" and value != 0:
        raise ValueError(f"pad_value applies only to pad_mode='constant', got pad_mode={mode!r}, pad_value={value!r}")
    return cast(float, value)  # kept as given (an int stays exact in an integer fill), used as a float


def power(value, mode: str) -> float | None:
    """``p`` of LP pooling: a finite real ``> 0`` for ``mode='lp'``, ``None`` for every other mode."""
    if mode != "lp":
        if value is not None:
            raise ValueError(f"p applies only to mode='lp', got mode={mode!r}, p={value!r}")
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"p must be a real number > 0 for mode='lp' (2 for an L2 pool), got {value!r}")
    if not (math.isfinite(float(value)) and float(value) > 0):
        raise ValueError(f"p must be a finite real number > 0 for mode='lp', got {value!r}")
    return float(value)


def indices_wanted(return_indices, mode: str) -> bool:
    """``return_indices``: a bool, True only for ``'max'`` and ``'min'`` (the modes whose window has one winner)."""
    if flag(return_indices, "return_indices") and mode not in ("max", "min"):
        raise ValueError(f"return_indices needs mode 'max' or 'min' (a window's one winner), got mode={mode!r}")
    return bool(return_indices)


def flag(value, name: str) -> bool:
    """A plain bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def threads(value) -> int | None:
    """``None`` (the default count) or a positive int: threads over batch blocks."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"threads must be None or a positive int, got {value!r}")
    if value < 1:
        raise ValueError(f"threads must be None or a positive int, got {value!r}")
    return int(value)


def channels_match(images_c: int, kernel_c: int, images_shape, kernel_shape, kernel_name: str) -> None:
    """The kernel's channel axis must equal the images' ``c``."""
    if images_c != kernel_c:
        hint = ""
        rank = len(images_shape) - 2
        if rank >= 1 and images_shape[1] == kernel_c:
            # the usual cause: a PyTorch-style (m, c, h, w) batch
            order = (0, *range(2, rank + 2), 1)
            last = tuple(images_shape[a] for a in order)
            hint = (
                f"; convpool is channels-last, images {layout(rank, 'm', 'c')}: an (m, c, {spatial_words(rank)}) "
                f"batch of shape {tuple(images_shape)} becomes images.transpose{order}, shape {last}, "
                "or is read as it is by convolve(..., layout='channels_first')"
            )
        raise ValueError(
            f"{kernel_name} has {kernel_c} channels (shape {kernel_shape}) but images have "
            f"{images_c} channels (shape {images_shape}){hint}"
        )


def group_count(groups) -> int:
    """``groups``: an int ``>= 1``."""
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)):
        raise TypeError(f"groups must be an int, got {groups!r}")
    if groups < 1:
        raise ValueError(f"groups must be >= 1, got {groups}")
    return int(groups)


def groups(groups, images_shape, kernels_shape) -> int:
    """``groups``: an int ``>= 1`` dividing ``c`` and ``nc``, with kernels ``(*k, c // groups, nc)``."""
    groups = group_count(groups)
    if groups == 1:
        channels_match(images_shape[-1], kernels_shape[-2], images_shape, kernels_shape, "kernels")
        return groups
    c, nc = images_shape[-1], kernels_shape[-1]
    if c % groups or nc % groups:
        raise ValueError(
            f"groups={groups} must divide the images' {c} channels (shape {images_shape}) and the "
            f"kernels' {nc} outputs (shape {kernels_shape})"
        )
    if kernels_shape[-2] != c // groups:
        k = spatial_words(len(kernels_shape) - 2, "k")
        raise ValueError(
            f"with groups={groups} kernels must have c // groups = {c // groups} channels, shape "
            f"({k}, {c // groups}, nc), got shape {kernels_shape} for images of shape {images_shape}"
        )
    return groups


def memory_limit() -> int:
    """Bytes no single array can exceed here: the memory available now (``2**63 - 1`` if unknown).

    The smaller of Linux's ``MemAvailable`` and the room under a cgroup memory limit, else the
    physical memory (:func:`convpool._plan.memory.available_memory`): on a shared machine a request
    is compared with what is free, not with what is installed.
    """
    available = memory.available_now()
    return np.iinfo(np.intp).max if available is None else available


def size_text(nbytes: float) -> str:
    """``nbytes`` in binary units, e.g. ``'58.2 TiB'``."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if nbytes < 1024 or unit == "EiB":
            return f"{nbytes:.0f} {unit}" if unit == "bytes" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    raise AssertionError  # unreachable


def fits(shape, dtype, what: str, because: str) -> None:
    """``ValueError`` if an array of ``shape`` and ``dtype`` needs more than :func:`memory_limit`.

    Called before any allocation, with Python ints (no overflow), so sizes no
    machine can hold end in a message naming the arguments (``because``)
    instead of NumPy's ``MemoryError`` or "array is too big".
    """
    nbytes = math.prod(int(n) for n in shape) * np.dtype(dtype).itemsize
    # NumPy refuses a shape whose nonzero sides multiply past intp ("array is too big"), even empty
    described = math.prod(max(int(n), 1) for n in shape) * np.dtype(dtype).itemsize
    limit = memory_limit()
    if nbytes > limit or described > np.iinfo(np.intp).max:
        size = f"{size_text(nbytes)}, more than the {size_text(limit)} of memory available here"
        if nbytes <= limit:  # an empty batch of images too big for NumPy to describe
            size = f"{size_text(described)} per batch item, more than NumPy can address"
        raise ValueError(
            f"{because} would need {what} of shape {tuple(int(n) for n in shape)} {np.dtype(dtype).name}: {size}"
        )


def spatial_words(rank: int, prefix: str = "") -> str:
    """The spatial axes of a layout: ``h, w`` (2-D), ``d, h, w`` (3-D), ``l`` (1-D); ``prefix`` ``k``: ``kh, kw``."""
    if rank == 1:
        return "k" if prefix == "k" else f"{prefix}l"
    if rank in (2, 3):
        return ", ".join(prefix + a for a in "dhw"[3 - rank :])
    return f"*{prefix}spatial ({rank} axes)"


def layout(rank: int, first: str, last: str, prefix: str = "") -> str:
    """``(first, <spatial axes>, last)``, e.g. ``layout(2, "m", "c")`` is ``(m, h, w, c)``; empty parts left out."""
    return "(" + ", ".join(p for p in (first, spatial_words(rank, prefix), last) if p) + ")"


def spatial_rank(images, images_dtype, kernels, kernels_dtype, layouts, kernels_name: str = "kernels") -> int:
    """The number of spatial axes ``d = kernels.ndim - 2``, the images numeric with ``d + 2`` axes too.

    ``layouts(d)`` gives the ``(images, kernels)`` layouts in words. A mismatch
    names its cause ("kernels have 3 spatial axes, images 2") and blames the
    array with fewer axes, the usual culprit (a missing channel axis).
    """
    array_meta(images, images_dtype, "images", len(images), "")
    array_meta(kernels, kernels_dtype, kernels_name, len(kernels), "")
    di, dk = len(images) - 2, len(kernels) - 2
    if di == dk and dk >= 1:
        return dk
    blame_kernels = len(kernels) < len(images)
    name, shape, what = (kernels_name, kernels, 1) if blame_kernels else ("images", images, 0)
    rank = di if blame_kernels else dk  # the other array's rank
    rank = rank if rank >= 1 else 2
    cause = f": {kernels_name} have {dk} spatial axes, images {di}" if min(di, dk) >= 1 else ""
    if not blame_kernels and len(images) == len(kernels) - 1:  # the commonest slip: one image, no batch axis
        cause += "; for one image use images[None] (a batch of 1)"
    raise ValueError(
        f"{name} must be a {rank + 2}-D array of shape {layouts(rank)[what]}, got {len(shape)}-D shape "
        f"{tuple(shape)}{cause}"
    )


def filter_rank(images, images_dtype, kernel, kernel_dtype) -> int:
    """Spatial axes of a filter (``kernels.apply``): the kernel's; the images numeric with two axes more."""
    rank, have = (len(kernel) or 2), len(images) - 2
    if have >= 1 and len(kernel) and have != rank:
        raise ValueError(
            f"kernel must be a {have}-D array of shape {layout(have, '', '', 'k')} for images of shape "
            f"{tuple(images)}, got {rank}-D shape {tuple(kernel)}: kernel has {rank} spatial axes, images {have}"
        )
    array_meta(images, images_dtype, "images", rank + 2, layout(rank, "m", "c"))
    array_meta(kernel, kernel_dtype, "kernel", rank, layout(rank, "", "", "k"))
    return rank
