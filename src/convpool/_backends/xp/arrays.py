"""Namespaces, devices and dtypes of array-API arrays, and their zero-copy trips to NumPy.

Everything here is metadata or a conversion: no arithmetic. ``array_api_compat``
gives one namespace per library (``array_api_compat.torch`` for PyTorch,
``jax.numpy`` for JAX, the library itself for ``array_api_strict`` and CuPy).
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

import numpy as np

from ..._optional import optional
from ..._plan.checks import grad_tensor_message

# The dtypes NumPy and the standard share, by name (float16 is not in the
# standard but PyTorch, JAX and CuPy have it and convpool accepts it).
_DTYPE_NAMES = (
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
)


#: Library dtypes already matched to NumPy's (dtype objects are hashable).
_NUMPY_DTYPES: dict = {}


class Home(NamedTuple):
    """Where an array lives: its library's namespace and its device.

    ``device`` is ``None`` for a JAX tracer under ``jit`` (placement is the
    compiler's); ``traced`` says so.
    """

    xp: Any  # an array-API namespace (a module): typed Any, as array_api_compat leaves it
    device: Any
    library: str
    traced: bool


def namespace(value, name: str):
    """The ``array_api_compat`` namespace of ``value``; ``TypeError`` naming ``name`` if none."""
    try:
        import array_api_compat
    except ImportError:  # pragma: no cover - depends on the environment
        raise TypeError(
            f"{name} is a {type(value).__module__}.{type(value).__name__}; arrays of other libraries "
            "need the optional extra: pip install 'convpool[arrays]'"
        ) from None
    try:
        return array_api_compat.array_namespace(value)
    except TypeError:
        raise TypeError(
            f"{name} must be a NumPy array or an array of a library that implements the array API "
            f"standard (PyTorch, JAX, CuPy, array_api_strict), got {type(value).__module__}.{type(value).__name__}"
        ) from None


def home(value, name: str) -> Home:
    """The :class:`Home` of an array of another library."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):  # the common case, kept cheap
        xp = optional("array_api_compat.torch", extra="arrays", purpose=f"{name}, a torch tensor,")

        return Home(xp, value.device, "torch", False)
    array_api_compat = optional("array_api_compat", extra="arrays", purpose=f"{name} ({type(value).__module__})")

    xp = namespace(value, name)
    library = type(value).__module__.split(".")[0]
    if array_api_compat.is_jax_array(value):
        library = "jax"
    traced = library == "jax" and _is_tracer(value)
    device = None if traced else array_api_compat.device(value)
    return Home(xp, device, library, traced)


def _is_tracer(value) -> bool:
    core = sys.modules.get("jax.core")
    return core is not None and isinstance(value, core.Tracer)


def on_cpu(where: Home) -> bool:
    """Whether the array's memory is the host's, so NumPy can read it without a copy."""
    if where.traced:
        return False
    if where.library == "torch":
        return where.device.type == "cpu"
    if where.library == "jax":
        return where.device.platform == "cpu"
    if where.library == "numpy":
        return True
    if where.library == "array_api_strict":
        return str(where.device) == "array_api_strict.Device('CPU_DEVICE')"
    return False  # CuPy and unknown libraries: never assume host memory


def numpy_dtype(value, name: str) -> np.dtype:
    """The NumPy dtype of an array of another library (same name), or ``TypeError``."""
    dtype = value.dtype
    if isinstance(dtype, np.dtype):  # JAX
        return dtype
    known = _NUMPY_DTYPES.get(dtype)
    if known is not None:
        return known
    xp = namespace(value, name)
    for candidate in _DTYPE_NAMES:
        if getattr(xp, candidate, None) == dtype:
            _NUMPY_DTYPES[dtype] = np.dtype(candidate)
            return np.dtype(candidate)
    raise TypeError(
        f"{name} must hold real numbers (bool, integer or float) of a dtype NumPy also has, got dtype {dtype}; "
        "convert it first, e.g. to float32"
    )


def library_dtype(where: Home, dtype: np.dtype, name: str = "the result"):
    """The namespace's dtype named like NumPy's ``dtype``; ``TypeError`` if the device lacks it.

    JAX without ``jax_enable_x64`` and some devices have no 64-bit types:
    convpool then refuses rather than silently rounding integer sums.
    """
    info = where.xp.__array_namespace_info__()
    kinds = info.dtypes() if where.device is None else info.dtypes(device=where.device)
    if dtype.name not in kinds and dtype.name != "float16":
        hint = " (enable it with jax.config.update('jax_enable_x64', True))" if where.library == "jax" else ""
        raise TypeError(
            f"{name} needs dtype {dtype.name} (integer sums are computed in float64 so that they never wrap), "
            f"which {where.library} does not provide on device {where.device}{hint}; pass float32 arrays instead"
        )
    return getattr(where.xp, dtype.name)


def refuse_autograd(value, name: str) -> None:
    """A PyTorch tensor that records gradients is refused: convpool's results would drop them silently."""
    if getattr(value, "requires_grad", False) is True:
        raise TypeError(grad_tensor_message(name))


def to_numpy(value, where: Home) -> np.ndarray:
    """A NumPy view of an array in host memory (no copy where the library allows it)."""
    if where.library == "torch":
        return value.numpy()  # real dtypes only (checked): no conjugate or negative views to resolve
    if where.library in ("jax", "numpy"):
        return np.asarray(value)
    return np.from_dlpack(value)


def from_numpy(result: np.ndarray, where: Home):
    """The engine's NumPy result as an array of ``where``'s library on its device."""
    if where.library == "torch":
        import torch

        return torch.from_numpy(result)
    if where.library == "numpy":
        return result
    if where.library == "jax":
        import jax

        return jax.device_put(result, where.device)
    return where.xp.asarray(result, device=where.device)


def to_library(value, where: Home):
    """A NumPy array, nested list or scalar as an array of ``where``'s library on its device.

    The one place where data cross to a device: only for arguments the user
    gave as NumPy or Python values (see ``docs/arrays.md``, mixed libraries).
    """
    array = np.asarray(value)
    if where.library == "torch":
        import torch

        return torch.as_tensor(array, device=where.device)
    if where.device is None:
        return where.xp.asarray(array)
    return where.xp.asarray(array, device=where.device)
