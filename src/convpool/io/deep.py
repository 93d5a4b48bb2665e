"""16-bit colour: TIFF through tifffile, PNG written here; a note wherever 8 bits a channel is all there is.

Pillow has no mode for 16 bits per colour channel: it opens a 48-bit RGB PNG
or TIFF as 8-bit RGB, silently, and cannot write one. tifffile (pure Python,
in the ``image`` extra) reads and writes 16-bit RGB TIFFs; a 48-bit PNG is
written here (zlib, every row unfiltered: a few lines of the PNG
specification). A 48-bit PNG is read by Pillow as 8 bits a channel, and a
one-line note says so (decoding PNG's row filters in Python would be slow).
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path
from types import ModuleType
from typing import Any, BinaryIO

import numpy as np

from .files import atomic_write

#: What keeps 16-bit colour when tifffile is missing.
TIFFFILE_HINT = "pip install 'convpool[image]' (tifffile) keeps them"

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def tifffile() -> ModuleType | None:
    """The ``tifffile`` module, or ``None`` when it is not installed."""
    try:
        import tifffile as module
    except ImportError:
        return None
    return module


def _png_depth(path: str | os.PathLike | None) -> int | None:
    """The bit depth in a PNG's IHDR chunk (signature, length, ``IHDR``, width, height, depth)."""
    if path is None:  # an image read from memory: no file to look into
        return None
    try:
        with open(path, "rb") as f:
            head = f.read(25)
    except (OSError, TypeError):
        return None
    return head[24] if len(head) == 25 and head.startswith(_PNG_SIGNATURE) and head[12:16] == b"IHDR" else None


def tiff_tag(im: Any, tag: int) -> Any:
    """A TIFF tag's first value, or ``None`` (any Pillow image: others have no tags)."""
    value = getattr(im, "tag_v2", {}).get(tag)
    return value[0] if isinstance(value, tuple) and value else value


def colour_16(im: Any) -> bool:
    """Whether an open Pillow frame holds 16 bits per colour channel (Pillow shows it as 8-bit RGB/RGBA)."""
    if im.mode not in ("RGB", "RGBA"):
        return False
    if im.format == "TIFF":
        return tiff_tag(im, 258) == 16
    return im.format == "PNG" and _png_depth(getattr(im, "filename", None)) == 16


def read_colour_16(im: Any) -> tuple[np.ndarray | None, str]:
    """``(pixels (h, w, 3) uint16 or None, note)`` for a frame where :func:`colour_16` holds.

    ``None``: Pillow's 8 bits are used, and the note says why. tifffile reads
    plain 3-sample RGB TIFFs; a TIFF with alpha or a turning Orientation tag,
    and any PNG, keep Pillow's reading.
    """
    lost = "16-bit colour read as 8 bits a channel"
    if im.format == "PNG":
        return None, f"{lost} (Pillow cannot read more from a PNG; a 16-bit .tif keeps them)"
    module = tifffile()
    if module is None:
        return None, f"{lost} (Pillow's limit); {TIFFFILE_HINT}"
    if tiff_tag(im, 277) != 3 or tiff_tag(im, 274) not in (None, 1):
        return None, f"{lost} (tifffile is used for plain RGB TIFFs only: this one has alpha or is turned)"
    with module.TiffFile(im.filename) as tif:
        pixels = tif.pages[im.tell()].asarray()
    if pixels.dtype != np.uint16 or pixels.shape != (im.height, im.width, 3):
        return None, f"{lost} (tifffile read it as {pixels.dtype} {pixels.shape})"
    return pixels, ""


def can_write() -> bool:
    """Whether 16-bit colour TIFFs can be written (tifffile is installed)."""
    return tifffile() is not None


def write_colour_16(
    path: str | os.PathLike, pages: list[np.ndarray], icc_profile: bytes | None = None, *, force: bool = False
) -> Path:
    """Write 16-bit RGB images ``(h, w, 3)`` of one size as the pages of one TIFF file, atomically (tifffile)."""
    from .._optional import optional

    module = optional("tifffile", extra="image", purpose="writing 16-bit colour TIFFs")
    stack = np.ascontiguousarray(np.stack(pages).astype(np.uint16, copy=False))
    # the ICC profile as its TIFF tag (34675, type UNDEFINED): `iccprofile=` is newer than tifffile's floor
    extra = {"extratags": [(34675, 7, len(icc_profile), icc_profile, True)]} if icc_profile else {}

    def save(tmp: Path) -> None:
        with module.TiffWriter(tmp) as tif:
            for page in stack:
                tif.write(page, photometric="rgb", **extra)

    return atomic_write(path, save, force=force)


def _chunk(kind: bytes, body: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC of type and data."""
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


#: Rows per piece of a 48-bit PNG: the big-endian copy and its compression stay a few MiB.
_PNG_ROWS = 256


def _png_16(f: BinaryIO, pixels: np.ndarray, icc_profile: bytes | None, exif: bytes | None) -> None:
    """Write ``pixels`` (h, w, 3) uint16 to the open file ``f`` as a 48-bit RGB PNG."""
    h, w, _ = pixels.shape
    f.write(_PNG_SIGNATURE + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)))
    if icc_profile:
        f.write(_chunk(b"iCCP", b"ICC profile\0\0" + zlib.compress(icc_profile)))
    if exif:
        f.write(_chunk(b"eXIf", exif.removeprefix(b"Exif\0\0")))  # the chunk holds the TIFF data alone
    packer = zlib.compressobj(6)
    for top in range(0, h, _PNG_ROWS):
        band = pixels[top : top + _PNG_ROWS]
        rows = np.zeros((len(band), 1 + w * 6), np.uint8)  # a leading 0 on each row: filter type None
        rows[:, 1:] = band.astype(">u2").view(np.uint8).reshape(len(band), w * 6)
        piece = packer.compress(rows.tobytes())
        if piece:
            f.write(_chunk(b"IDAT", piece))
    f.write(_chunk(b"IDAT", packer.flush()) + _chunk(b"IEND", b""))


def write_png_16(
    path: str | os.PathLike,
    pixels: np.ndarray,
    icc_profile: bytes | None = None,
    exif: bytes | None = None,
    *,
    force: bool = False,
) -> Path:
    """Write a 16-bit RGB image ``(h, w, 3)`` as a 48-bit PNG, atomically, keeping the ICC profile and EXIF."""
    pixels = np.asarray(pixels, dtype=np.uint16)

    def save(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            _png_16(f, pixels, icc_profile, exif)

    return atomic_write(path, save, force=force)
