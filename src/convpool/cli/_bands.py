"""One large image filtered band by band of output rows, straight into its pixels.

A 6000x4000 photo is 288 MB as float32 and 576 MB as float64: holding the
filtered image as floats, and then a rescaled copy, is what made ``convpool
filter`` peak at 2.4 GB. Here each band of output rows is computed from its
input rows plus the halo the kernel needs (:func:`convpool._plan._shapes.band`, the
same arithmetic as the engine's tiles), converted to pixels and dropped, so
only the input, the pixels and one band of floats are alive at once.
``--rescale minmax`` and ``abs`` need the whole image's range first: a
first pass finds it band by band, a second converts (twice the compute,
never the memory).
"""

from __future__ import annotations

import os

import numpy as np

from .._plan._shapes import band, bands
from ._blocks import compute
from ._common import progress_bar
from ._write import as_pixels, picture_plan, write_picture

#: Bytes of float results per band: a few of these are alive at once. The environment
#: variable ``CONVPOOL_BAND_BYTES`` changes it (docs/cli.md; the tests use tiny bands on small images).
BAND_BYTES = int(os.environ.get("CONVPOOL_BAND_BYTES", 16 << 20))


def plan(rows, row_bytes: int) -> list[tuple[slice, tuple[int, int], slice]]:
    """``(input rows, (top, bottom) padding, output rows)`` per band, for the row geometry ``rows``.

    Every band has at least ``max(before, after) + extent`` output rows (a
    short last band is merged into the one before): ``reflect`` and
    ``symmetric`` padding read that many real rows of the band.
    """
    reach = max(rows.before, rows.after) + rows.extent
    ranges = bands(rows, max(BAND_BYTES // max(row_bytes, 1), reach))
    if len(ranges) > 1 and ranges[-1][1] - ranges[-1][0] < reach:
        ranges[-2:] = [(ranges[-2][0], ranges[-1][1])]
    out = []
    for lo, hi in ranges:
        cells, geometry = band(rows, lo, hi)
        out.append((cells, (geometry.before, geometry.after), slice(lo, hi)))
    return out


def _range(compute, parts) -> tuple[float, float]:
    lo, hi = np.inf, -np.inf
    for cells, pads, _ in parts:
        result = compute(cells, pads)
        lo, hi = min(lo, float(result.min())), max(hi, float(result.max()))
    return lo, hi


def fill(out: np.ndarray, compute, parts, rescale: str, prescale: float = 1.0) -> None:
    """Pixels ``out`` (its dtype: uint8 or uint16), each band ``compute(input rows, (top, bottom))``.

    ``prescale`` multiplies the values first (16-bit results written as 8 bits: ``255 / 65535``).
    """
    from ..io import images

    white = images.WHITE[out.dtype]
    scale = (0.0, prescale)
    if rescale != "clip":
        lo, hi = _range(compute, parts)
        scale = images.pixel_scale(lo, hi, rescale, white)
    for cells, pads, rows in parts:
        out[rows] = images.to_pixels(compute(cells, pads), rescale, out.dtype, scale=scale)


def _one_image(source, fmt: str) -> np.ndarray:
    """The input batch: one image, or several for a TIFF output (one page each), or one volume for a TIFF."""
    batches = list(source.batches.values())
    if len(batches) == 1 and batches[0].ndim == 5 and (len(batches[0]) != 1 or fmt != "TIFF"):
        raise ValueError(
            f"the result holds {len(batches[0])} volume{'s' * (len(batches[0]) != 1)}; an image file takes "
            "one volume, as a .tif of one page per slice; write .npy or Zarr instead"
        )
    if len(batches) != 1 or (len(batches[0]) != 1 and fmt != "TIFF"):
        count = sum(len(b) for b in batches)
        raise ValueError(
            f"the result holds {count} images; an image file takes one (a .tif one page each), "
            "write .npy, .npz or .tif instead"
        )
    return batches[0]


def _pages(job, batch: np.ndarray, source, work, rescale: str, dtype, args) -> list[str]:
    """A batch of several images, or one volume, to a multi-page TIFF: each page planned and rescaled on its own."""
    from ..io import images

    result = compute(batch, lambda b: work.fn(b, dtype), args, job.src.name)
    if result.ndim == 5:  # one volume (--3d): its depth slices are the pages
        result = result[0]
    plan_ = picture_plan(source.dtype, result.shape[-1], result.dtype, "TIFF", rescale, args.rescale)
    pages = [as_pixels(image, plan_) for image in result]
    images.write_pages(job.dst, pages, force=args.force, dtype=plan_.stored)
    return [plan_.notice] if plan_.notice else []


def picture(job, source, work, rescale: str, dtype, args) -> list[str]:
    """Compute and write an image output; band by band of output rows when it is large.

    Returns the notices of :func:`convpool.cli._write.write_picture`.
    """
    from .._plan.checks import fits
    from ..io import images

    fmt = images.IMAGE_SUFFIXES[job.dst.suffix.lower()]
    batch = _one_image(source, fmt)
    if len(batch) > 1 or batch.ndim == 5:
        return _pages(job, batch, source, work, rescale, dtype, args)
    geometry = work.geometry(*batch.shape[1:3]) if work.geometry else None
    if geometry is not None:
        rows, columns = geometry
        shape = (rows.out, columns.out, work.channels(batch.shape[3]))
        plan_ = picture_plan(source.dtype, shape[2], dtype or np.float64, fmt, rescale, args.rescale)
        row_bytes = columns.out * shape[2] * np.dtype(dtype or np.float64).itemsize
        because = f"padding={args.padding!r}, stride={args.stride!r}, dilation={args.dilation!r}"
        fits(shape, plan_.stored, "an output image", because)  # the library's size check, before any allocation
        out = np.empty(shape, dtype=plan_.stored)
        parts = plan(rows, row_bytes) if plan_.stored in images.WHITE else []
        if len(parts) > 1:
            # one step per band computed: minmax and abs compute each band twice (range, then pixels)
            steps = len(parts) * (1 if plan_.rescale == "clip" else 2)
            bar = progress_bar(args, steps, desc=job.src.name, unit="band", leave=False)

            def compute_band(cells: slice, pads: tuple[int, int]) -> np.ndarray:
                result = work.fn(batch[:, cells], dtype, (pads, (columns.before, columns.after)))[0]
                bar.update()
                return result

            try:
                fill(out, compute_band, parts, plan_.rescale, plan_.prescale)
            finally:
                bar.close()
            return write_picture(job.dst, out, plan_, source, args)
    result = compute(batch, lambda b: work.fn(b, dtype), args, job.src.name)[0]
    plan_ = picture_plan(source.dtype, result.shape[-1], result.dtype, fmt, rescale, args.rescale)
    return write_picture(job.dst, as_pixels(result, plan_), plan_, source, args)
