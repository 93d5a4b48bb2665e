"""NumPy batches in and out: ``.npy`` and ``.npz`` files, each array's size checked before it is read.

A ``.npy`` header says how large its array is; an ``.npz`` is a zip archive in
which a few compressed KiB can claim terabytes. :func:`read_arrays` reads every
header first and refuses, naming the file, the array and the size, whatever
cannot fit in the memory that is free, before anything is allocated.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

import numpy as np

from .._plan.memory import available_now
from .files import atomic_write

#: Suffixes of NumPy batches: raw values, no rescaling.
ARRAY_SUFFIXES = (".npy", ".npz")


def read_arrays(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """A ``.npy`` file as ``{'': batch}``, an ``.npz`` as one batch per array; batches ``(m, h, w, c)``.

    2-D is one grayscale image ``(h, w)``, 3-D a grayscale batch ``(m, h, w)``, 4-D a batch.
    """
    if Path(path).suffix.lower() == ".npy":
        check_npy_size(path)
        return {"": _as_batch(np.load(path, allow_pickle=False), path)}
    with np.load(path, allow_pickle=False) as npz:
        if not npz.files:
            raise ValueError(f"{path}: the .npz file holds no arrays")
        for key in npz.files:  # before any is read: a few compressed KiB can claim terabytes
            with npz.zip.open(f"{key}.npy") as f:
                _check_size(f, f"{path}: array {key!r} is")
        return {key: _as_batch(npz[key], f"{path}[{key}]") for key in npz.files}


def check_npy_size(path: str | os.PathLike) -> None:
    """``ValueError`` naming ``path`` and the size if the ``.npy`` file's array cannot fit in free memory.

    Only the header is read: the check costs nothing however large the file claims to be.
    """
    with open(path, "rb") as f:
        _check_size(f, f"{path}: the array is")


def _bytes(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def _check_size(f: IO[bytes], where: str) -> None:
    """``ValueError`` starting ``where`` if the ``.npy`` data in ``f`` (by its header) cannot fit in free memory."""
    fmt = np.lib.format
    version = fmt.read_magic(f)
    shape, _, dtype = (fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0)(f)
    size = int(np.prod(shape, dtype=object)) * dtype.itemsize
    free = available_now()
    if free is not None and size > free:
        dims = "x".join(map(str, shape)) or "scalar"
        raise ValueError(f"{where} {_bytes(size)} once read ({dims} {dtype}), more than the {_bytes(free)} free")


def _as_batch(array: np.ndarray, where: object) -> np.ndarray:
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{where}: holds {array.dtype} values, not real numbers")
    if array.ndim == 2:
        return array[None, ..., None]
    if array.ndim == 3:
        return array[..., None]
    if array.ndim == 4:
        return array
    raise ValueError(f"{where}: a batch must be 2-D (h, w), 3-D (m, h, w) or 4-D (m, h, w, c), got shape {array.shape}")


def write_array(
    path: str | os.PathLike[str], batches: dict[str, np.ndarray] | np.ndarray, *, force: bool = False
) -> Path:
    """Write raw values atomically: one array to ``.npy``, named arrays to ``.npz``."""
    path = Path(path)
    what = path.suffix.lower()[1:]

    def save(tmp: Path) -> None:
        # through an open file: np.save would append '.npy' to a name like '.out.npy.1234.tmp'
        with open(tmp, "wb") as f:
            if what == "npz":
                named: dict[str, Any] = batches if isinstance(batches, dict) else {"arr_0": batches}
                np.savez(f, **named)
            elif what == "npy":
                np.save(f, next(iter(batches.values())) if isinstance(batches, dict) else batches)
            else:
                raise ValueError(f"{path}: raw values go to .npy or .npz, not {path.suffix!r}")
            f.flush()
            os.fsync(f.fileno())

    return atomic_write(path, save, force=force)
