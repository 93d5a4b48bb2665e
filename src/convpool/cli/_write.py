"""How a result is stored: bit depth, alpha and metadata of image outputs, and the notices when some is lost.

The rules, in words (README and docs/cli.md say the same):

- 8-bit in, 8-bit out. 16-bit grayscale in: 16-bit PNG or TIFF out (full
  scale 65535); a JPEG or BMP output (8 bits only) is scaled to 8 bits with a
  one-line notice. 16-bit colour in (a TIFF read by tifffile): 16-bit PNG
  (:mod:`convpool.io.deep`) or TIFF (tifffile) out; JPEG and BMP get 8 bits
  with a notice. 32-bit integer or float TIFF in: a TIFF output keeps the
  computed values (float32, or int32 for max/min pooling); other formats get
  8 bits, stretched min..max under ``--rescale auto``, with a notice.
- Alpha is set aside and written back untouched when the output has the
  input's size (``pool`` pools it with the same window); a format without
  alpha, or a size change by ``filter``, drops it with a notice.
- EXIF (orientation already applied on reading, so removed) and the ICC
  profile are kept in JPEG, PNG and TIFF outputs; JPEG quality is ``--quality``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NamedTuple

import numpy as np

#: Full scale of 16-bit pixels, and the factor that brings them to 8 bits.
_WHITE16 = 65535


def _depth(src_dtype: np.dtype) -> str:
    if src_dtype == np.uint16:
        return "16"
    if src_dtype in (np.int32, np.uint32, np.float32):
        return "32"
    return "8"


class Plan(NamedTuple):
    """How one image output is stored: pixel type, rescaling, a factor applied first, and a notice."""

    stored: np.dtype
    rescale: str
    prescale: float = 1.0
    notice: str | None = None


def _storage(depth: str, channels: int, result_dtype, fmt: str) -> tuple[np.dtype, str | None]:
    from ..io import deep, images

    if depth == "8":
        return np.dtype(np.uint8), None
    wanted = np.uint16 if depth == "16" else (np.int32 if result_dtype == np.int32 else np.float32)
    if channels == 1 and wanted in images.STORABLE[fmt]:
        if result_dtype == np.uint32:  # no TIFF type of Pillow's holds every uint32 exactly
            return np.dtype(wanted), "unsigned 32-bit values stored as float32 (exact up to 2**24); .npy keeps them"
        return np.dtype(wanted), None
    if depth == "16" and channels == 3 and (fmt == "PNG" or (fmt == "TIFF" and deep.can_write())):
        return np.dtype(np.uint16), None  # convpool.io.deep writes what Pillow cannot
    if depth == "16" and channels == 1:
        return np.dtype(np.uint8), f"16-bit input written as 8-bit ({fmt} holds 8 bits); .png or .tif keep 16 bits"
    if depth == "16":
        keep = ".png keeps them" + ("" if deep.can_write() else f", .tif too with tifffile: {deep.TIFFFILE_HINT}")
        if fmt == "TIFF":
            return np.dtype(np.uint8), f"16-bit colour written as 8 bits a channel (no tifffile); {keep}"
        return np.dtype(np.uint8), f"16-bit colour written as 8 bits a channel ({fmt} holds 8 bits); {keep}"
    return np.dtype(np.uint8), f"32-bit input written as 8-bit {fmt}; .tif or .npy keep the values"


def picture_plan(src_dtype, channels: int, result_dtype, fmt: str, rescale: str, chosen: str) -> Plan:
    """How a result of ``channels`` channels from a ``src_dtype`` input is written as ``fmt``.

    ``rescale`` is what ``--rescale`` resolved to, ``chosen`` what the user gave (``auto`` or a mode).
    """
    depth = _depth(np.dtype(src_dtype))
    stored, notice = _storage(depth, channels, np.dtype(result_dtype), fmt)
    if stored == np.uint8 and depth == "16" and rescale == "clip":
        return Plan(stored, rescale, 255.0 / _WHITE16, notice)  # 65535 is white: scale down, then clip
    if stored == np.uint8 and depth == "32" and chosen == "auto" and rescale == "clip":
        return Plan(stored, "minmax", 1.0, notice)  # 32-bit values have no fixed white: show their range
    return Plan(stored, rescale, 1.0, notice)


def as_pixels(result: np.ndarray, plan: Plan) -> np.ndarray:
    """A whole result as the planned pixels (raw values for 32-bit storage)."""
    from ..io import images

    if plan.stored not in images.WHITE or result.dtype == plan.stored:
        return result
    scale = (0.0, plan.prescale) if plan.rescale == "clip" else None
    return images.to_pixels(result, plan.rescale, plan.stored, scale=scale)


def alpha_for(alpha, shape: tuple, stored: np.dtype, fmt: str, args: argparse.Namespace):
    """``(alpha or None, notice or None)``: the alpha to write beside a result of ``shape``."""
    if alpha is None or args.alpha == "drop":
        return None, None
    if fmt not in ("PNG", "TIFF"):
        return None, f"alpha dropped: {fmt} has no alpha channel (.png or .tif keep it)"
    if stored != np.uint8:
        return None, "alpha dropped: it is kept with 8-bit pixels only"
    if alpha.shape != tuple(shape[:2]):
        return None, (
            f"alpha dropped: the output is {shape[0]}x{shape[1]}, the input's alpha "
            f"{alpha.shape[0]}x{alpha.shape[1]} (--stride or --padding change the size)"
        )
    return alpha, None


def write_picture(dst: Path, pixels: np.ndarray, plan: Plan, source, args: argparse.Namespace) -> list[str]:
    """Write one image of planned ``pixels`` ``(h, w, c)`` to ``dst``; return the notices (what was not kept)."""
    from ..io import images

    fmt = images.IMAGE_SUFFIXES[dst.suffix.lower()]
    alpha, alpha_notice = alpha_for(source.alpha, pixels.shape, plan.stored, fmt, args)
    images.write_image(
        dst,
        pixels,
        rescale=plan.rescale,
        force=args.force,
        dtype=plan.stored,
        alpha=alpha,
        exif=source.exif,
        icc_profile=source.icc_profile,
        quality=args.quality,
    )
    return [text for text in (plan.notice, alpha_notice) if text]
