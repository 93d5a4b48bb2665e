"""Reading and writing image files (Pillow, an optional extra: ``pip install 'convpool[image]'``).

Images come in as arrays ``(h, w)`` (grayscale) or ``(h, w, 3)`` (colour);
convpool's functions want batches, so :func:`read_batch` returns ``(m, h, w, c)``
(for ``.npy``/``.npz`` files too, through :mod:`.arrays`). Floats become pixels
through one of three rescalings, :data:`RESCALE_MODES` (:mod:`.pixels`).

Every write goes through :func:`convpool.io.files.atomic_write`: a temporary
file beside the target, renamed into place when complete.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from . import deep
from .arrays import ARRAY_SUFFIXES, check_npy_size, read_arrays, write_array
from .files import atomic_write
from .pixels import NON_FINITE, RESCALE_MODES, WHITE, pixel_scale, to_pixels

__all__ = [
    "ARRAY_SUFFIXES",
    "NON_FINITE",
    "WHITE",
    "check_npy_size",
    "IMAGE_SUFFIXES",
    "RESCALE_MODES",
    "STORABLE",
    "pixel_scale",
    "Picture",
    "count_pages",
    "read_pages",
    "read_picture",
    "read_batch",
    "read_image",
    "to_pixels",
    "write_array",
    "write_image",
    "write_pages",
]

#: File suffixes read and written with Pillow, and the Pillow format of each.
IMAGE_SUFFIXES = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".bmp": "BMP",
}


def _pil() -> ModuleType:
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("reading and writing images needs Pillow: pip install 'convpool[image]'") from exc
    return Image


def kind(path: str | os.PathLike) -> str:
    """``'image'``, ``'npy'`` or ``'npz'`` from the file suffix; ``ValueError`` for any other."""
    suffix = Path(path).suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in ARRAY_SUFFIXES:
        return suffix[1:]
    accepted = ", ".join([*IMAGE_SUFFIXES, *ARRAY_SUFFIXES])
    raise ValueError(f"{path}: unknown file type {suffix or '(no suffix)'!r}; accepted: {accepted}")


class Picture(NamedTuple):
    """One image file as read: pixels, alpha and the metadata worth writing back.

    ``pixels`` is ``(h, w)`` or ``(h, w, 3)`` in the file's own depth: ``uint8``,
    ``uint16`` (16-bit grayscale, and 16-bit colour TIFFs through tifffile:
    :mod:`.deep`), ``int32``, ``uint32`` or ``float32`` (32-bit TIFF);
    already turned upright by its EXIF orientation. ``alpha`` is ``(h, w)`` or
    ``None``; ``exif`` (orientation removed) and ``icc_profile`` are bytes or ``None``;
    ``note`` says what could not be read as it is (16-bit colour read as 8 bits), or is empty.
    """

    pixels: np.ndarray
    alpha: np.ndarray | None = None
    exif: bytes | None = None
    icc_profile: bytes | None = None
    note: str = ""


#: Pillow modes read as they are, and the dtype NumPy gives them.
_PLAIN_MODES = {
    "L": np.uint8,
    "RGB": np.uint8,
    "I;16": np.uint16,
    "I;16L": np.uint16,
    "I;16B": np.uint16,
    "I": np.int32,
    "F": np.float32,
}


def _upright(im: Any) -> tuple[Any, bytes | None]:
    """The image turned as its EXIF orientation says (as photo viewers show it), and the EXIF without that tag."""
    from PIL import ImageOps

    exif, source_format = im.getexif(), im.format
    if exif.get(0x0112, 1) != 1:
        im = ImageOps.exif_transpose(im)
    if source_format == "TIFF":
        return im, None  # a TIFF's tags describe its own strips and layout: not metadata to copy
    exif.pop(0x0112, None)  # applied: writing it back would turn the result a second time
    return im, (exif.tobytes() if len(exif) else None)


def _frame(im: Any) -> Picture:
    """The current frame of an open image as a :class:`Picture`."""
    icc = im.info.get("icc_profile") or None
    unsigned32 = im.format == "TIFF" and im.mode == "I" and deep.tiff_tag(im, 339) == 1 and deep.tiff_tag(im, 258) == 32
    colour16, note = deep.read_colour_16(im) if deep.colour_16(im) else (None, "")
    im, exif = _upright(im)
    if colour16 is not None:  # read by tifffile only when it is upright
        return Picture(colour16, None, exif, icc)
    alpha = None
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("LA" if im.mode in ("LA", "La") else "RGBA")
        alpha = np.array(im.getchannel("A"))
        im = im.convert("L" if im.mode == "LA" else "RGB")
    elif im.mode not in _PLAIN_MODES:
        im = im.convert("L" if im.mode == "1" else "RGB")
    pixels = np.array(im).astype(_PLAIN_MODES[im.mode], copy=False)
    if unsigned32:  # Pillow reads unsigned 32-bit samples into int32: 2**31 and up would come back negative
        pixels = pixels.view(np.uint32)
    return Picture(pixels, alpha, exif, icc, note)


def read_picture(path: str | os.PathLike) -> Picture:
    """One image file with its alpha, depth, orientation applied and metadata (see :class:`Picture`).

    Palette images become RGB (RGBA if transparent), 1-bit and CMYK images
    L and RGB; unsigned 32-bit TIFFs ``uint32``; only the first frame of a
    multi-frame file is read (:func:`read_pages` reads them all).
    """
    image_cls = _pil()
    with image_cls.open(path) as im:
        im.load()
        return _frame(im)


def count_pages(path: str | os.PathLike) -> int:
    """How many pages (frames) an image file holds: 1 for most, more for a multi-page TIFF or an animation."""
    with _pil().open(path) as im:
        return int(getattr(im, "n_frames", 1))


def read_pages(path: str | os.PathLike) -> np.ndarray:
    """Every page of a multi-page file (a TIFF stack, an animated PNG) as ``(pages, h, w)`` or ``(pages, h, w, 3)``.

    Raises ``ValueError`` if the pages differ in size, colour or depth: they do not form one batch.
    """
    pages: list[np.ndarray] = []
    with _pil().open(path) as im:
        for index in range(int(getattr(im, "n_frames", 1))):
            im.seek(index)
            im.load()
            pixels = _frame(im).pixels
            if pages and (pixels.shape, pixels.dtype) != (pages[0].shape, pages[0].dtype):
                raise ValueError(
                    f"page {index + 1} is {_describe(pixels)} but page 1 {_describe(pages[0])}: "
                    "the pages of one file must form one batch of equal images"
                )
            pages.append(pixels)
    return np.stack(pages)


def _describe(pixels: np.ndarray) -> str:
    colour = "colour" if pixels.ndim == 3 else "grayscale"
    return f"{pixels.shape[0]}x{pixels.shape[1]} {colour} {pixels.dtype}"


def read_image(path: str | os.PathLike) -> np.ndarray:
    """One image file as ``(h, w)`` (grayscale) or ``(h, w, 3)`` (colour), upright.

    8-bit files give ``uint8``; 16-bit grayscale ``uint16``; 32-bit TIFFs
    ``int32`` or ``float32``. Palette and alpha images are converted to RGB
    (alpha dropped: :func:`read_picture` keeps it); only the first frame of a
    multi-frame file is read.
    """
    return read_picture(path).pixels


def read_batch(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """A file as named batches ``(m, h, w, c)``.

    - an image: ``{'': (pages, h, w, c)}`` with ``c`` 1 (grayscale) or 3 (colour),
      one image per page (most files have one; see :func:`read_pages`);
    - ``.npy``: ``{'': batch}``; 2-D is one grayscale image ``(h, w)``, 3-D a
      grayscale batch ``(m, h, w)``, 4-D a batch ``(m, h, w, c)``;
    - ``.npz``: one batch per array, under the array's name.

    Raises
    ------
    OSError, ValueError
        Missing, unreadable, corrupt, or holding an array of the wrong kind.
    """
    what = kind(path)
    if what == "image":
        pages = read_pages(path)
        return {"": (pages[..., None] if pages.ndim == 3 else pages)}
    return read_arrays(path)


def _image_for_pil(image: np.ndarray) -> np.ndarray:
    """``(h, w, 1)`` to ``(h, w)``; ``(h, w)`` and ``(h, w, 3)`` as they are."""
    if image.ndim == 3 and image.shape[2] == 1:
        return image[..., 0]
    if image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (3, 4)):
        return image
    raise ValueError(
        f"an image file holds 1, 3 or 4 channels, got shape {image.shape}; write a .npy file to keep every channel"
    )


#: Pixel types each format stores: 16-bit grayscale and colour in PNG and TIFF, 32-bit grayscale in TIFF only.
STORABLE = {
    "PNG": (np.uint8, np.uint16),
    "TIFF": (np.uint8, np.uint16, np.int32, np.float32),
    "JPEG": (np.uint8,),
    "BMP": (np.uint8,),
}


def _as_stored(array: np.ndarray, dtype: npt.DTypeLike, rescale: str) -> np.ndarray:
    dtype = np.dtype(dtype)
    if array.dtype == dtype:
        return array
    if dtype in WHITE:
        return to_pixels(array, rescale, dtype)
    if dtype == np.int32:  # raw values, rounded half up, within int32
        info = np.iinfo(np.int32)
        return np.clip(np.floor(np.asarray(array, np.float64) + 0.5), info.min, info.max).astype(np.int32)
    return np.asarray(array, dtype=np.float32)


def _colour_16(image: npt.ArrayLike, dtype: npt.DTypeLike) -> bool:
    """Whether ``image`` is to be stored as 16-bit colour (Pillow cannot: :mod:`.deep` writes it)."""
    return np.dtype(dtype) == np.uint16 and np.ndim(image) == 3 and np.shape(image)[2] == 3


def _save_options(fmt: str, exif: bytes | None, icc_profile: bytes | None, quality: int) -> dict[str, Any]:
    """What Pillow keeps for ``fmt``: the ICC profile in JPEG, PNG and TIFF, EXIF in JPEG and PNG; JPEG quality."""
    options: dict[str, Any] = {}
    if icc_profile and fmt in ("JPEG", "PNG", "TIFF"):
        options["icc_profile"] = icc_profile
    # EXIF into a TIFF would be merged with the TIFF's own layout tags: kept out
    if exif and fmt in ("JPEG", "PNG"):
        options["exif"] = exif
    if fmt == "JPEG":
        options["quality"] = quality
    return options


def write_image(
    path: str | os.PathLike[str],
    image: npt.ArrayLike,
    *,
    rescale: str = "clip",
    force: bool = False,
    dtype: npt.DTypeLike = np.uint8,
    alpha: npt.ArrayLike | None = None,
    exif: bytes | None = None,
    icc_profile: bytes | None = None,
    quality: int = 95,
) -> Path:
    """Write one image ``(h, w)``, ``(h, w, 1)`` or ``(h, w, 3)`` atomically; the suffix picks the format.

    Parameters
    ----------
    path : path-like
        ``.png``, ``.jpg``/``.jpeg``, ``.tif``/``.tiff`` or ``.bmp``.
    image : array_like, shape (h, w), (h, w, 1) or (h, w, 3)
    rescale : {'clip', 'minmax', 'abs'}
        How values become ``uint8``/``uint16`` pixels (:func:`to_pixels`);
        data already of type ``dtype`` is written as it is.
    force : bool
        Overwrite an existing file (else ``FileExistsError``).
    dtype : numpy dtype
        The stored pixel type: ``uint8``; ``uint16`` (PNG, TIFF; grayscale; colour
        through :mod:`.deep`, TIFF needing tifffile);
        ``int32`` or ``float32`` (TIFF; grayscale; raw values, no rescaling).
    alpha : array_like, shape (h, w), optional
        Written untouched as the alpha channel (PNG, TIFF, 8-bit only).
    exif, icc_profile : bytes, optional
        EXIF is kept in JPEG and PNG files, the ICC profile in JPEG, PNG and TIFF.
    quality : int
        JPEG quality, 1 to 95 (Pillow's scale).
    """
    image_cls = _pil()
    path = Path(path)
    fmt = IMAGE_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: not an image suffix; accepted: {', '.join(IMAGE_SUFFIXES)}")
    if np.dtype(dtype).type not in STORABLE[fmt]:
        raise ValueError(f"{path}: {fmt} cannot store {np.dtype(dtype)} pixels")
    if _colour_16(image, dtype):
        if alpha is not None:
            raise ValueError(f"{path}: 16-bit colour is written without alpha")
        pixels = _as_stored(np.asarray(image), dtype, rescale)
        if fmt == "PNG":
            return deep.write_png_16(path, pixels, icc_profile, exif, force=force)
        return deep.write_colour_16(path, [pixels], icc_profile, force=force)
    pixels = _image_for_pil(_as_stored(np.asarray(image), dtype, rescale))
    if alpha is not None:
        if fmt not in ("PNG", "TIFF") or pixels.dtype != np.uint8:
            raise ValueError(f"{path}: alpha is kept in 8-bit PNG and TIFF files only")
        pixels = np.dstack([pixels, np.asarray(alpha, dtype=np.uint8)])
    picture = image_cls.fromarray(np.ascontiguousarray(pixels))
    options = _save_options(fmt, exif, icc_profile, quality)
    # the temporary name ends in .tmp, so the format is named, not guessed from the suffix
    return atomic_write(path, lambda tmp: picture.save(tmp, format=fmt, **options), force=force)


def write_pages(
    path: str | os.PathLike[str],
    pages: Sequence[npt.ArrayLike],
    *,
    force: bool = False,
    dtype: npt.DTypeLike = np.uint8,
    rescale: str = "clip",
) -> Path:
    """Write images ``(h, w)``/``(h, w, 1)``/``(h, w, 3)`` of one size as the pages of one TIFF file, atomically.

    ``dtype`` and ``rescale`` as for :func:`write_image` (each page rescaled on its own).
    """
    image_cls = _pil()
    path = Path(path)
    if IMAGE_SUFFIXES.get(path.suffix.lower()) != "TIFF":
        raise ValueError(f"{path}: pages are written to .tif or .tiff files only")
    if np.dtype(dtype).type not in STORABLE["TIFF"]:
        raise ValueError(f"{path}: TIFF cannot store {np.dtype(dtype)} pixels")
    if pages and _colour_16(pages[0], dtype):
        return deep.write_colour_16(path, [_as_stored(np.asarray(page), dtype, rescale) for page in pages], force=force)
    stored = [_image_for_pil(_as_stored(np.asarray(page), dtype, rescale)) for page in pages]
    frames = [image_cls.fromarray(np.ascontiguousarray(page)) for page in stored]

    def save(tmp: Path) -> None:
        frames[0].save(tmp, format="TIFF", save_all=True, append_images=frames[1:])

    return atomic_write(path, save, force=force)
