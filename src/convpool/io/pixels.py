"""Values to pixels: ``uint8``/``uint16`` by one of three rescalings, in bands of rows, NaN and inf refused.

- ``clip``: round and clip to 0..255. Right for filters that keep brightness
  (blur, sharpen, identity, averages).
- ``minmax``: stretch each image's own range to 0..255. Shows the structure of
  any result, but the absolute level is lost.
- ``abs``: ``|x|`` scaled so the image's largest magnitude is 255. Right for
  edge detectors, whose results are signed around zero.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: How floats become 8-bit pixels (see the module docstring).
RESCALE_MODES = ("clip", "minmax", "abs")

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


def to_pixels(
    image: npt.ArrayLike,
    rescale: str = "clip",
    dtype: npt.DTypeLike = np.uint8,
    *,
    scale: tuple[float, float] | None = None,
) -> np.ndarray:
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
