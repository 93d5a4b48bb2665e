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

Every write goes through :func:`convpool._files.atomic_write`: a temporary
file beside the target, renamed into place when complete.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ._files import atomic_write

__all__ = [
    "ARRAY_SUFFIXES",
    "IMAGE_SUFFIXES",
    "RESCALE_MODES",
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


def read_image(path: str | os.PathLike) -> np.ndarray:
    """One image file as ``(h, w)`` (grayscale) or ``(h, w, 3)`` (colour) ``uint8``.

    Palette and alpha images are converted to RGB (alpha dropped), 16-bit and
    float grayscale keep their values (``uint16`` / ``float32``); only the
    first frame of a multi-frame file is read.
    """
    image_cls = _pil()
    with image_cls.open(path) as im:
        im.load()
        if im.mode in ("L", "RGB", "I;16", "F"):
            return np.array(im)
        if im.mode in ("1", "LA"):
            return np.array(im.convert("L"))
        if im.mode == "I":
            return np.array(im).astype(np.float64)
        return np.array(im.convert("RGB"))


def read_batch(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """A file as named batches ``(m, h, w, c)``.

    - an image: ``{'': (1, h, w, c)}`` with ``c`` 1 (grayscale) or 3 (colour);
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
        image = read_image(path)
        return {"": (image[None, ..., None] if image.ndim == 2 else image[None])}
    if what == "npy":
        return {"": _as_batch(np.load(path, allow_pickle=False), path)}
    with np.load(path, allow_pickle=False) as npz:
        if not npz.files:
            raise ValueError(f"{path}: the .npz file holds no arrays")
        return {key: _as_batch(npz[key], f"{path}[{key}]") for key in npz.files}


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


def to_pixels(image, rescale: str = "clip") -> np.ndarray:
    """Values of one image as ``uint8`` pixels.

    Parameters
    ----------
    image : array_like, shape (h, w) or (h, w, c)
    rescale : {'clip', 'minmax', 'abs'}
        ``clip``: ``clip(round(x), 0, 255)``. ``minmax``: ``255 * (x - min) / (max - min)``
        (all zero if the image is flat). ``abs``: ``255 * |x| / max|x|`` (all zero if
        the image is all zero). Computed over all channels together, so colours keep
        their balance.

    Returns
    -------
    ndarray of uint8, same shape

    Examples
    --------
    >>> to_pixels([[-10.0, 0.4, 300.0]])
    array([[  0,   0, 255]], dtype=uint8)
    >>> to_pixels([[-2.0, 0.0, 2.0]], "minmax")
    array([[  0, 128, 255]], dtype=uint8)
    >>> to_pixels([[-2.0, 0.0, 1.0]], "abs")
    array([[255,   0, 128]], dtype=uint8)
    """
    x = np.asarray(image, dtype=np.float64)
    if rescale == "clip":
        scaled = x
    elif rescale == "minmax":
        lo, hi = (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
        scaled = (x - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(x)
    elif rescale == "abs":
        top = float(np.abs(x).max()) if x.size else 0.0
        scaled = np.abs(x) * (255.0 / top) if top > 0 else np.zeros_like(x)
    else:
        raise ValueError(f"rescale must be one of {', '.join(map(repr, RESCALE_MODES))}, got {rescale!r}")
    # round half up (0.5 -> 1), not NumPy's half-to-even: 127.5 is a mid-grey pixel 128
    return np.clip(np.floor(scaled + 0.5), 0, 255).astype(np.uint8)


def _image_for_pil(image: np.ndarray) -> np.ndarray:
    """``(h, w, 1)`` to ``(h, w)``; ``(h, w)`` and ``(h, w, 3)`` as they are."""
    if image.ndim == 3 and image.shape[2] == 1:
        return image[..., 0]
    if image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (3, 4)):
        return image
    raise ValueError(
        f"an image file holds 1, 3 or 4 channels, got shape {image.shape}; write a .npy file to keep every channel"
    )


def write_image(path, image, *, rescale: str = "clip", force: bool = False) -> Path:
    """Write one image ``(h, w)``, ``(h, w, 1)`` or ``(h, w, 3)`` atomically; the suffix picks the format.

    ``uint8`` data is written as is; anything else goes through :func:`to_pixels`
    with ``rescale``. ``FileExistsError`` if ``path`` exists and not ``force``.
    """
    image_cls = _pil()
    path = Path(path)
    fmt = IMAGE_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: not an image suffix; accepted: {', '.join(IMAGE_SUFFIXES)}")
    array = np.asarray(image)
    pixels = _image_for_pil(array if array.dtype == np.uint8 else to_pixels(array, rescale))
    picture = image_cls.fromarray(np.ascontiguousarray(pixels))
    # the temporary name ends in .tmp, so the format is named, not guessed from the suffix
    return atomic_write(path, lambda tmp: picture.save(tmp, format=fmt), force=force)


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
