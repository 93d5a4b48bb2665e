"""How a result is stored: bit depth, alpha and metadata of image outputs, and the notices when some is lost.

The rules, in words (README and docs/cli.md say the same):

- 8-bit in, 8-bit out. 16-bit grayscale in: 16-bit PNG or TIFF out (full
  scale 65535); a JPEG or BMP output (8 bits only) is scaled to 8 bits with a
  one-line notice. 32-bit integer or float TIFF in: a TIFF output keeps the
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

import numpy as np

#: Full scale of 16-bit pixels, and the factor that brings them to 8 bits.
_WHITE16 = 65535


def _depth(src_dtype: np.dtype) -> str:
    if src_dtype == np.uint16:
        return "16"
    if src_dtype in (np.int32, np.float32) and src_dtype.kind in "if":
        return "32"
    return "8"


def storage(src_dtype, result: np.ndarray, fmt: str) -> tuple[np.dtype, str | None]:
    """The pixel type an image output stores, and a notice if it holds less than the input had."""
    from .. import imageio

    depth = _depth(np.dtype(src_dtype))
    gray = result.ndim == 2 or result.shape[2] == 1
    if depth == "8":
        return np.dtype(np.uint8), None
    wanted = np.uint16 if depth == "16" else (np.int32 if result.dtype == np.int32 else np.float32)
    if gray and wanted in imageio.STORABLE[fmt]:
        return np.dtype(wanted), None
    if depth == "16":
        why = f"{fmt} holds 8 bits" if gray else "colour is written with 8 bits a channel"
        return np.dtype(np.uint8), f"16-bit input written as 8-bit ({why}); .png or .tif keep 16 bits"
    return np.dtype(np.uint8), f"32-bit input written as 8-bit {fmt}; .tif or .npy keep the values"


def pixels_for(result: np.ndarray, src_dtype, stored: np.dtype, rescale: str, chosen: str):
    """``(values, rescale)`` to hand to :func:`convpool.imageio.write_image` for ``stored`` pixels.

    ``chosen`` is the user's ``--rescale`` (``auto`` or a mode), ``rescale`` what it resolved to.
    """
    depth = _depth(np.dtype(src_dtype))
    if stored == np.uint8 and depth == "16" and rescale == "clip":
        return result * (255.0 / _WHITE16), rescale  # 65535 is white: scale down, then clip as 8-bit
    if stored == np.uint8 and depth == "32" and chosen == "auto" and rescale == "clip":
        return result, "minmax"  # 32-bit values have no fixed white: show their range
    return result, rescale


def alpha_for(alpha, result: np.ndarray, stored: np.dtype, fmt: str, args: argparse.Namespace):
    """``(alpha or None, notice or None)``: the alpha to write beside ``result``."""
    if alpha is None or args.alpha == "drop":
        return None, None
    if fmt not in ("PNG", "TIFF"):
        return None, f"alpha dropped: {fmt} has no alpha channel (.png or .tif keep it)"
    if stored != np.uint8:
        return None, "alpha dropped: it is kept with 8-bit pixels only"
    if alpha.shape != result.shape[:2]:
        return None, (
            f"alpha dropped: the output is {result.shape[0]}x{result.shape[1]}, the input's alpha "
            f"{alpha.shape[0]}x{alpha.shape[1]} (--stride or --padding change the size)"
        )
    return alpha, None


def write_picture(dst: Path, result: np.ndarray, source, rescale: str, args: argparse.Namespace) -> list[str]:
    """Write one image ``result`` ``(h, w, c)`` to ``dst``; return the notices (things not kept)."""
    from .. import imageio

    fmt = imageio.IMAGE_SUFFIXES[dst.suffix.lower()]
    src_dtype = source.dtype
    stored, notice = storage(src_dtype, result, fmt)
    values, mode = pixels_for(result, src_dtype, stored, rescale, args.rescale)
    alpha, alpha_notice = alpha_for(source.alpha, result, stored, fmt, args)
    imageio.write_image(
        dst,
        values,
        rescale=mode,
        force=args.force,
        dtype=stored,
        alpha=alpha,
        exif=source.exif,
        icc_profile=source.icc_profile,
        quality=args.quality,
    )
    return [text for text in (notice, alpha_notice) if text]
