"""NumPy batches in and out: ``.npy`` and ``.npz`` files, each array's size checked before it is read.

A ``.npy`` header says how large its array is; an ``.npz`` is a zip archive in
which a few compressed KiB can claim terabytes. :func:`read_arrays` reads every
header first and refuses, naming the file, the array and the size, whatever
cannot fit in the memory that is free, before anything is allocated.
"""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np

from .._plan.checks import size_text
from .._plan.memory import available_now
from .files import atomic_write

#: Suffixes of NumPy batches: raw values, no rescaling.
ARRAY_SUFFIXES = (".npy", ".npz")
#: A compressed ``.npz`` member is a decompression bomb when it expands both beyond this many bytes ...
NPZ_BOMB_BYTES = 256 * 2**20
#: ... and by more than this factor (zeros deflate about 1000x; real images and results rarely 10x).
NPZ_BOMB_RATIO = 100
#: Bytes decompressed per step while a member is read.
_CHUNK = 2**22


def read_arrays(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """A ``.npy`` file as ``{'': batch}``, an ``.npz`` as one batch per array; batches ``(m, h, w, c)``.

    2-D is one grayscale image ``(h, w)``, 3-D a grayscale batch ``(m, h, w)``, 4-D a batch.
    Every ``.npz`` member is checked (:func:`_member_problem`, :func:`_check_size`) before any is read.
    """
    if Path(path).suffix.lower() == ".npy":
        check_npy_size(path)
        return {"": _as_batch(np.load(path, allow_pickle=False), path)}
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{path}: not an .npz file (a zip archive of .npy arrays): {exc}") from None
    with archive:
        members = archive.infolist()
        if not members:
            raise ValueError(f"{path}: the .npz file holds no arrays")
        try:
            for info in members:  # before any is read: a few compressed KiB can claim terabytes
                _member_problem(path, info)
                with archive.open(info) as f:
                    _check_size(f, f"{path}: array {_key(info)!r} is")
            arrays = {_key(info): _read_member(archive, info, path) for info in members}
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:  # a damaged archive, or a CRC that fails
            raise ValueError(f"{path}: the .npz file is damaged: {exc}") from None
        return {key: _as_batch(array, f"{path}[{key}]") for key, array in arrays.items()}


def _key(info: zipfile.ZipInfo) -> str:
    """The array's name, as ``np.load`` gives it: the member's name less ``.npy``."""
    return info.filename.removesuffix(".npy")


def _member_problem(path: str | os.PathLike, info: zipfile.ZipInfo) -> None:
    """``ValueError`` for a member that is no ``.npy`` array or whose directory entry promises a bomb."""
    where = f"{path}: array {_key(info)!r}"
    if not info.filename.endswith(".npy") or info.is_dir():
        raise ValueError(f"{path}: member {info.filename!r} is not a .npy array")
    if info.compress_type == zipfile.ZIP_STORED:
        return
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > NPZ_BOMB_BYTES and ratio > NPZ_BOMB_RATIO:
        raise ValueError(
            f"{where} expands from {size_text(info.compress_size)} to {size_text(info.file_size)} when decompressed "
            f"({ratio:.0f}x; convpool refuses compressed members over {size_text(NPZ_BOMB_BYTES)} that expand over "
            f"{NPZ_BOMB_RATIO}x): save it uncompressed (np.savez) or as .npy"
        )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str | os.PathLike) -> np.ndarray:
    """One member's array, read in chunks into an array its header sizes, checked against the directory.

    Neither the header nor the directory is trusted alone: the header may not claim more bytes than the
    directory's uncompressed size, and the data may be neither shorter nor longer than the header says
    (zip reading stops at the directory's size and checks the CRC there).
    """
    where = f"{path}: array {_key(info)!r}"
    with archive.open(info) as f:
        shape, fortran, dtype = _check_size(f, f"{where} is")
        nbytes = math.prod(shape) * dtype.itemsize
        room = info.file_size - f.tell()
        if nbytes > room:
            raise ValueError(
                f"{where}: its header claims {size_text(nbytes)} of data, but the zip directory leaves "
                f"{size_text(room)} after the header: a damaged or forged file"
            )
        if dtype.kind not in "biuf":  # before reading: an object array would be pickles
            raise ValueError(f"{where}: holds {dtype} values, not real numbers")
        data = np.empty(nbytes, np.uint8)
        done = 0
        while done < nbytes:
            chunk = f.read(min(_CHUNK, nbytes - done))
            if not chunk:
                raise ValueError(f"{where}: the data ends after {done} of the {nbytes} bytes its header claims")
            data[done : done + len(chunk)] = np.frombuffer(chunk, np.uint8)
            done += len(chunk)
        if f.read(1):
            raise ValueError(f"{where}: holds more data than the {nbytes} bytes its header claims")
    return data.view(dtype).reshape(shape, order="F" if fortran else "C")


def check_npy_size(path: str | os.PathLike) -> None:
    """``ValueError`` naming ``path`` and the size if the ``.npy`` file's array cannot fit in free memory.

    Only the header is read: the check costs nothing however large the file claims to be.
    """
    with open(path, "rb") as f:
        _check_size(f, f"{path}: the array is")


def _check_size(f: IO[bytes], where: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """``ValueError`` starting ``where`` if the ``.npy`` data in ``f`` (by its header) cannot fit in free memory.

    Returns the header: ``(shape, fortran_order, dtype)``; ``f`` is left at the start of the data.
    """
    fmt = np.lib.format
    version = fmt.read_magic(f)
    shape, fortran, dtype = (fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0)(f)
    size = int(np.prod(shape, dtype=object)) * dtype.itemsize
    free = available_now()
    if free is not None and size > free:
        dims = "x".join(map(str, shape)) or "scalar"
        raise ValueError(f"{where} {size_text(size)} once read ({dims} {dtype}), more than the {size_text(free)} free")
    return shape, fortran, dtype


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
