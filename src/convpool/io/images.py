"""Reading and writing image files and array batches (Pillow, an optional extra: ``pip install 'convpool[image]'``).

Images come in as arrays ``(h, w)`` (grayscale) or ``(h, w, 3)`` (colour);
convpool's functions want batches, so :func:`read_batch` returns ``(m, h, w, c)``.
Floats become pixels through one of three rescalings (:data:`RESCALE_MODES`):

- ``clip``: round and clip to 0..255. Right for filters that keep brightness
  (blur, sharpen, identity, averages).
- ``minmax``: stretch each image's own range to 0..255. Shows the structure of
  any result, but the absolute level is lost.
- ``abs``: ``|x|`` scaled so the image's largest magnitude is 255. Right for
  edge detectors, whose results are signed around zero.

Every write goes through :func:`convpool.io.files.atomic_write`: a temporary
file beside the target, renamed into place when complete.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .files import atomic_write

__all__ = [
    "ARRAY_SUFFIXES",
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
#: Suffixes of NumPy batches: raw values, no rescaling.
ARRAY_SUFFIXES = (".npy", ".npz")
#: How floats become 8-bit pixels (see the module docstring).
RESCALE_MODES = ("clip", "minmax", "abs")


def _pil():
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
    ``uint16`` (16-bit grayscale), ``int32``, ``uint32`` or ``float32`` (32-bit TIFF);
    already turned upright by its EXIF orientation. ``alpha`` is ``(h, w)`` or
    ``None``; ``exif`` (orientation removed) and ``icc_profile`` are bytes or ``None``.
    """

    pixels: np.ndarray
    alpha: np.ndarray | None = None
    exif: bytes | None = None
    icc_profile: bytes | None = None


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


def _upright(im):
    """The image turned as its EXIF orientation says (as photo viewers show it), and the EXIF without that tag."""
    from PIL import ImageOps

    exif, source_format = im.getexif(), im.format
    if exif.get(0x0112, 1) != 1:
        im = ImageOps.exif_transpose(im)
    if source_format == "TIFF":
        return im, None  # a TIFF's tags describe its own strips and layout: not metadata to copy
    exif.pop(0x0112, None)  # applied: writing it back would turn the result a second time
    return im, (exif.tobytes() if len(exif) else None)


def _frame(im) -> Picture:
    """The current frame of an open image as a :class:`Picture`."""
    icc = im.info.get("icc_profile") or None
    unsigned32 = im.format == "TIFF" and im.mode == "I" and _tag(im, 339) == 1 and _tag(im, 258) == 32
    im, exif = _upright(im)
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
    return Picture(pixels, alpha, exif, icc)


def _tag(im, tag: int):
    """A TIFF tag's first value, or ``None``."""
    value = getattr(im, "tag_v2", {}).get(tag)
    return value[0] if isinstance(value, tuple) else value


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
    pages = []
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
    if what == "npy":
        check_npy_size(path)
        return {"": _as_batch(np.load(path, allow_pickle=False), path)}
    with np.load(path, allow_pickle=False) as npz:
        if not npz.files:
            raise ValueError(f"{path}: the .npz file holds no arrays")
        for key in npz.files:  # before any is read: a few compressed MiB can claim gigabytes
            with npz.zip.open(f"{key}.npy") as f:
                _check_size(f, f"{path}: array {key!r} is")
        return {key: _as_batch(npz[key], f"{path}[{key}]") for key in npz.files}


def check_npy_size(path: str | os.PathLike) -> None:
    """``ValueError`` naming ``path`` and the size if the ``.npy`` file's array cannot fit in free memory.

    Only the header is read: the check costs nothing however large the file claims to be.
    """
    with open(path, "rb") as f:
        _check_size(f, f"{path}: the array is")


def free_memory() -> int | None:
    """Bytes of memory free for a new array (Linux's ``MemAvailable``), or ``None`` where unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - platforms without sysconf
        return None


def _bytes(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def _check_size(f, where: str) -> None:
    """``ValueError`` starting ``where`` if the ``.npy`` data in ``f`` (by its header) cannot fit in free memory."""
    fmt = np.lib.format
    version = fmt.read_magic(f)
    shape, _, dtype = (fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0)(f)
    size = int(np.prod(shape, dtype=object)) * dtype.itemsize
    free = free_memory()
    if free is not None and size > free:
        dims = "x".join(map(str, shape)) or "scalar"
        raise ValueError(f"{where} {_bytes(size)} once read ({dims} {dtype}), more than the {_bytes(free)} free")


def _as_batch(array: np.ndarray, where) -> np.ndarray:
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{where}: holds {array.dtype} values, not real numbers")
    if array.ndim == 2:
        return array[None, ..., None]
    if array.ndim == 3:
        return array[..., None]
    if array.ndim == 4:
        return array
    raise ValueError(f"{where}: a batch must be 2-D (h, w), 3-D (m, h, w) or 4-D (m, h, w, c), got shape {array.shape}")


#: Full scale of each pixel type :func:`to_pixels` makes.
WHITE = {np.dtype(np.uint8): 255, np.dtype(np.uint16): 65535}

#: Why :func:`to_pixels` refuses NaN and infinities: each would silently become black or white.
NON_FINITE = (
    "the values hold NaN or infinite numbers, which no pixel can show (NaN or inf in the input or the "
    "kernel, or an overflow); a .npy output keeps them"
)

#: Elements per band of rows in :func:`to_pixels`: its float temporaries stay a few MiB on any image size.
_BAND_ELEMENTS = 1 << 20


def pixel_scale(lo: float, hi: float, rescale: str, white: int = 255) -> tuple[float, float]:
    """``(offset, factor)`` of ``rescale`` for values in ``[lo, hi]``: ``pixel = (x - offset) * factor``.

    ``abs`` takes ``|x|`` before the offset. For an image converted in pieces
    (:func:`to_pixels` with ``scale=``), ``lo``/``hi`` are the whole image's.

    >>> pixel_scale(-2.0, 1.0, "abs"), pixel_scale(10.0, 50.0, "minmax")
    ((0.0, 127.5), (10.0, 6.375))
    """
    if rescale == "clip":
        return 0.0, 1.0
    if rescale == "minmax":
        return lo, (white / (hi - lo) if hi > lo else 0.0)
    if rescale == "abs":
        top = max(hi, -lo)
        return 0.0, (white / top if top > 0 else 0.0)
    raise ValueError(f"rescale must be one of {', '.join(map(repr, RESCALE_MODES))}, got {rescale!r}")


def _scale_of(x: np.ndarray, rescale: str, white: int) -> tuple[float, float]:
    # x.min()/x.max() rather than abs(x).max(): no whole-image temporary
    lo, hi = (float(x.min()), float(x.max())) if x.size and rescale != "clip" else (0.0, 0.0)
    return pixel_scale(lo, hi, rescale, white)


def to_pixels(image, rescale: str = "clip", dtype=np.uint8, *, scale: tuple[float, float] | None = None) -> np.ndarray:
    """Values of one image as ``uint8`` (or ``uint16``) pixels.

    Parameters
    ----------
    image : array_like, shape (h, w) or (h, w, c)
    rescale : {'clip', 'minmax', 'abs'}
        With ``W`` the full scale (255, or 65535 for ``uint16``): ``clip``:
        ``clip(round(x), 0, W)``. ``minmax``: ``W * (x - min) / (max - min)``
        (all zero if the image is flat). ``abs``: ``W * |x| / max|x|`` (all zero
        if the image is all zero). Computed over all channels together, so colours
        keep their balance.
    dtype : {numpy.uint8, numpy.uint16}
        The pixel type.
    scale : (offset, factor), optional
        Use ``pixel = (x - offset) * factor`` (after ``|x|`` for ``abs``) instead
        of the scale ``rescale`` finds in ``image``: for an image converted in
        pieces, from :func:`pixel_scale` of the whole image's range.

    Returns
    -------
    ndarray of ``dtype``, same shape

    Raises
    ------
    ValueError
        If any value is NaN or infinite (:data:`NON_FINITE`): no pixel value is right for it.

    Notes
    -----
    Works in bands of rows, in float32 for float32 images: the temporaries stay
    a few MiB however large the image.

    Examples
    --------
    >>> to_pixels([[-10.0, 0.4, 300.0]])
    array([[  0,   0, 255]], dtype=uint8)
    >>> to_pixels([[-2.0, 0.0, 2.0]], "minmax")
    array([[  0, 128, 255]], dtype=uint8)
    >>> to_pixels([[-2.0, 0.0, 1.0]], "abs")
    array([[255,   0, 128]], dtype=uint8)
    >>> to_pixels([[-2.0, 0.0, 1.0]], "abs", dtype=np.uint16)
    array([[65535,     0, 32768]], dtype=uint16)
    """
    x = np.asarray(image)
    if x.dtype.kind not in "biuf":
        x = x.astype(np.float64)
    if np.dtype(dtype) not in WHITE:
        raise ValueError(f"dtype must be uint8 or uint16, got {np.dtype(dtype)}")
    white = WHITE[np.dtype(dtype)]
    offset, factor = _scale_of(x, rescale, white) if scale is None else scale
    out = np.empty(x.shape, dtype=dtype)
    flat_in, flat_out = x.reshape(len(x), -1) if x.ndim else x.reshape(1, 1), out.reshape(-1)
    rows = max(_BAND_ELEMENTS // max(flat_in.shape[1], 1), 1)
    for start in range(0, len(flat_in), rows):
        band = _scaled(flat_in[start : start + rows], rescale == "abs", offset, factor, white)
        flat_out[start * flat_in.shape[1] : (start + len(band)) * flat_in.shape[1]] = band.reshape(-1)
    return out


def _scaled(values: np.ndarray, absolute: bool, offset: float, factor: float, white: int) -> np.ndarray:
    """``clip(floor((|x| or x - offset) * factor + 0.5), 0, white)`` in a float copy of one band."""
    band = np.array(values, dtype=np.float32 if values.dtype == np.float32 else np.float64)
    if not np.isfinite(band).all():
        raise ValueError(NON_FINITE)
    if absolute:
        np.abs(band, out=band)
    if (offset, factor) != (0.0, 1.0):
        band -= offset
        band *= factor
    # round half up (0.5 -> 1), not NumPy's half-to-even: 127.5 is a mid-grey pixel 128
    band += 0.5
    np.floor(band, out=band)
    np.clip(band, 0, white, out=band)
    return band


def _image_for_pil(image: np.ndarray) -> np.ndarray:
    """``(h, w, 1)`` to ``(h, w)``; ``(h, w)`` and ``(h, w, 3)`` as they are."""
    if image.ndim == 3 and image.shape[2] == 1:
        return image[..., 0]
    if image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (3, 4)):
        return image
    raise ValueError(
        f"an image file holds 1, 3 or 4 channels, got shape {image.shape}; write a .npy file to keep every channel"
    )


#: Pixel types each format stores: 16-bit grayscale in PNG and TIFF, 32-bit grayscale in TIFF only.
STORABLE = {
    "PNG": (np.uint8, np.uint16),
    "TIFF": (np.uint8, np.uint16, np.int32, np.float32),
    "JPEG": (np.uint8,),
    "BMP": (np.uint8,),
}


def _as_stored(array: np.ndarray, dtype, rescale: str) -> np.ndarray:
    dtype = np.dtype(dtype)
    if array.dtype == dtype:
        return array
    if dtype in WHITE:
        return to_pixels(array, rescale, dtype)
    if dtype == np.int32:  # raw values, rounded half up, within int32
        info = np.iinfo(np.int32)
        return np.clip(np.floor(np.asarray(array, np.float64) + 0.5), info.min, info.max).astype(np.int32)
    return np.asarray(array, dtype=np.float32)


def _save_options(fmt: str, exif, icc_profile, quality: int) -> dict:
    """What Pillow keeps for ``fmt``: the ICC profile in JPEG, PNG and TIFF, EXIF in JPEG and PNG; JPEG quality."""
    options = {}
    if icc_profile and fmt in ("JPEG", "PNG", "TIFF"):
        options["icc_profile"] = icc_profile
    # EXIF into a TIFF would be merged with the TIFF's own layout tags: kept out
    if exif and fmt in ("JPEG", "PNG"):
        options["exif"] = exif
    if fmt == "JPEG":
        options["quality"] = quality
    return options


def write_image(
    path,
    image,
    *,
    rescale: str = "clip",
    force: bool = False,
    dtype=np.uint8,
    alpha=None,
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
        The stored pixel type: ``uint8``; ``uint16`` (PNG, TIFF; grayscale);
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
    pixels = _image_for_pil(_as_stored(np.asarray(image), dtype, rescale))
    if alpha is not None:
        if fmt not in ("PNG", "TIFF") or pixels.dtype != np.uint8:
            raise ValueError(f"{path}: alpha is kept in 8-bit PNG and TIFF files only")
        pixels = np.dstack([pixels, np.asarray(alpha, dtype=np.uint8)])
    picture = image_cls.fromarray(np.ascontiguousarray(pixels))
    options = _save_options(fmt, exif, icc_profile, quality)
    # the temporary name ends in .tmp, so the format is named, not guessed from the suffix
    return atomic_write(path, lambda tmp: picture.save(tmp, format=fmt, **options), force=force)


def write_array(path, batches: dict[str, np.ndarray] | np.ndarray, *, force: bool = False) -> Path:
    """Write raw values atomically: one array to ``.npy``, named arrays to ``.npz``."""
    path = Path(path)
    what = kind(path)

    def save(tmp: Path) -> None:
        # through an open file: np.save would append '.npy' to a name like '.out.npy.1234.tmp'
        with open(tmp, "wb") as f:
            if what == "npz":
                np.savez(f, **(batches if isinstance(batches, dict) else {"arr_0": batches}))
            elif what == "npy":
                np.save(f, next(iter(batches.values())) if isinstance(batches, dict) else batches)
            else:
                raise ValueError(f"{path}: raw values go to .npy or .npz, not {path.suffix!r}")
            f.flush()
            os.fsync(f.fileno())

    return atomic_write(path, save, force=force)
