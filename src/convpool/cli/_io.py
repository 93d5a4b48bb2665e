"""Reading inputs, planning outputs and writing them, for the batch commands ``filter`` and ``pool``.

Outputs go through :func:`convpool.io.files.atomic_write` (via :mod:`convpool.io.images`):
a hidden temporary file beside the target, renamed into place when complete.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import _bands
from ._blocks import compute
from ._common import EXIT_FAILED, EXIT_OK, UsageError, error, one_line, progress, say

#: Inputs named ``sample:NAME`` are the embedded photos (:func:`convpool.data.photo`), so examples run anywhere.
SAMPLE_PREFIX = "sample:"


# --- reading inputs --------------------------------------------------------------------------------


class Source(NamedTuple):
    """An input as named batches ``(m, h, w, c)``, with what an image output should keep of it."""

    batches: dict[str, np.ndarray]
    dtype: np.dtype
    alpha: np.ndarray | None = None
    exif: bytes | None = None
    icc_profile: bytes | None = None
    notes: tuple[str, ...] = ()


def is_sample(name: str) -> bool:
    """Whether an input names an embedded photo (``sample:NAME``)."""
    return str(name).startswith(SAMPLE_PREFIX)


def _batch_of(image: np.ndarray) -> np.ndarray:
    return image[None, ..., None] if image.ndim == 2 else image[None]


def read_input(src: Path, volumes: bool = False) -> Source:
    """An input file, or an embedded photo for ``sample:NAME``; ``volumes`` (``--3d``): as 5-D volumes."""
    from .. import data
    from ..io import images

    if volumes:
        return _read_volumes(src)
    if is_sample(str(src)):
        image = data.photo(str(src)[len(SAMPLE_PREFIX) :])
        return Source({"": _batch_of(image)}, image.dtype)
    if images.kind(src) == "image":
        pages = images.count_pages(src)
        if pages > 1:  # a TIFF stack, an animation: every page, as one batch
            batch = images.read_pages(src)
            batch = batch[..., None] if batch.ndim == 3 else batch
            return Source({"": batch}, batch.dtype, notes=(f"its {pages} pages are read as a batch of {pages} images",))
        picture = images.read_picture(src)
        pixels = picture.pixels
        notes = (picture.note,) if picture.note else ()
        return Source({"": _batch_of(pixels)}, pixels.dtype, picture.alpha, picture.exif, picture.icc_profile, notes)
    batches = images.read_batch(src)
    dtypes = {b.dtype for b in batches.values()}
    return Source(batches, dtypes.pop() if len(dtypes) == 1 else np.dtype(np.float64))


def _read_volumes(src: Path) -> Source:
    """``--3d``: a TIFF stack as one volume ``(1, pages, h, w, c)``, a ``.npy`` as ``(m, d, h, w, c)``."""
    from ._volumes import read

    volume, notes = read(src)
    return Source({"": volume}, volume.dtype, notes=notes)


def check_volume_inputs(args: argparse.Namespace, why: str) -> None:
    """``UsageError`` for an input that cannot hold volumes: a single-page image or a sample photo."""
    from ..io import images

    for name in args.inputs:
        if is_sample(name):
            raise UsageError(f"{name} is one photo, not a volume; {why} takes a multi-page TIFF, .npy or Zarr stack")
        try:
            single = images.kind(Path(name)) == "image" and images.count_pages(Path(name)) == 1
        except Exception:  # noqa: BLE001 - missing, unknown or corrupt (Pillow raises many kinds): it fails alone later
            continue
        if single:
            raise UsageError(
                f"{name} is a single-page image, not a volume; {why} takes a multi-page TIFF (pages = depth), "
                "a .npy array (m, d, h, w[, c]) or a Zarr store"
            )


def _reason(exc: BaseException, src: Path) -> str:
    """Why ``src`` could not be read, without repeating its name."""
    if type(exc).__name__ == "UnidentifiedImageError":
        return "not an image that Pillow can read (corrupt, or another format under this suffix)"
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        return exc.strerror
    text = one_line(exc)
    for name in (str(src), src.as_posix()):
        # the line already starts with the input's name: not twice (an output's name stays as it is)
        text = text.removeprefix(f"{name}: ").replace(f"'{name}'", "the file")
    return text


# --- planning outputs: where each input goes -------------------------------------------------------


class Job(NamedTuple):
    """One input, its output, and what is wrong with the input (``None`` if nothing)."""

    src: Path
    dst: Path | None
    problem: str | None = None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def input_problem(name: str) -> str | None:
    """Why an input cannot be read, found before any work; ``None`` if it looks readable."""
    from ..io import images

    if is_sample(name):
        return None
    path = Path(name)
    if path.is_dir():
        return "is a folder, not a file (give the files in it, e.g. FOLDER/*.png)"
    if not path.exists():
        return "matches no file" if any(ch in name for ch in "*?[") else "no such file"
    if not path.is_file():  # reading a FIFO would block every input after it
        return "not a regular file (a FIFO, socket or device?); convpool reads files"
    try:
        images.kind(path)
    except ValueError:
        accepted = ", ".join([*images.IMAGE_SUFFIXES, *images.ARRAY_SUFFIXES])
        return f"not an input convpool reads (accepted: {accepted})"
    return None


def _check_output(inputs: list[str], output: str, folder_mode: bool) -> None:
    from ..io import images

    out = Path(output)
    if len(inputs) > 1 and not out.is_dir() and not output.endswith(("/", os.sep)):
        if out.suffix.lower() in (*images.IMAGE_SUFFIXES, *images.ARRAY_SUFFIXES):
            raise UsageError(
                f"{len(inputs)} inputs need an output folder, but OUTPUT {output} names a file; "
                f"end it with / to make a folder (e.g. -o {out.stem}/) or give one input"
            )
    if folder_mode and out.exists() and not out.is_dir():
        raise UsageError(f"OUTPUT {out} must be a folder when there are several inputs")


def _destination(name: str, out: Path, folder_mode: bool, fmt: str | None) -> Path:
    from ..io import images

    src = Path(name)
    stem, suffix = (name[len(SAMPLE_PREFIX) :], ".png") if is_sample(name) else (src.stem, src.suffix.lower())
    dst = out / (stem + (fmt or suffix)) if folder_mode else out
    try:
        images.kind(dst)
    except ValueError as exc:
        hint = "--format picks the type in a folder" if folder_mode else "end OUTPUT with / to make it a folder"
        raise UsageError(f"{exc} ({hint})") from None
    return dst


def plan_outputs(inputs: list[str], output: str, fmt: str | None) -> list[Job]:
    """Pair each input with its output file; ``UsageError`` for any clash.

    One input and an OUTPUT that is not a folder: OUTPUT is the file. Several
    inputs, an existing folder, or an OUTPUT ending in ``/``: one file per
    input in that folder, named after the input with the suffix of ``fmt``
    (default: the input's own). Several inputs and an OUTPUT with a file suffix
    are refused, as are an output that is also an input (even with ``--force``)
    and two inputs that would share an output. An input that cannot be read
    (missing, a folder, an unknown type) is a :class:`Job` with a ``problem``:
    it fails alone, the others still run.
    """
    out = Path(output)
    folder_mode = len(inputs) > 1 or out.is_dir() or output.endswith(("/", os.sep))
    if fmt is not None:
        fmt = fmt if fmt.startswith(".") else f".{fmt}"
    _check_output(inputs, output, folder_mode)
    plan = []
    for name in inputs:
        problem = input_problem(name)
        dst = None if problem else _destination(name, out, folder_mode, fmt)
        plan.append(Job(Path(name), dst, problem))
    _check_clashes([job for job in plan if job.problem is None])
    return plan


def _check_clashes(plan: list[Job]) -> None:
    targets: dict[Path, list[Path]] = {}
    for job in plan:
        assert job.dst is not None  # a job without a problem has its destination
        targets.setdefault(job.dst.resolve(), []).append(job.src)
    for dst, sources in targets.items():
        if len(sources) > 1:
            names = " and ".join(str(s) for s in sources)
            raise UsageError(f"inputs {names} would all write {dst}; rename them, use --format, or separate runs")
    for job in plan:
        for dst in targets:
            if job.src.resolve() == dst or _same_file(job.src, dst):
                raise UsageError(f"output {dst} is the input {job.src}; refusing to overwrite an input")


class Folders:
    """Output folders made on demand, and removed again at the end if nothing was written into them."""

    def __init__(self) -> None:
        self.made: list[Path] = []

    def make(self, folder: Path) -> None:
        missing = [p for p in (folder, *folder.parents) if not p.exists()]
        folder.mkdir(parents=True, exist_ok=True)
        self.made.extend(reversed(missing))

    def remove_empty(self) -> None:
        for folder in reversed(self.made):  # deepest first
            try:
                folder.rmdir()  # only succeeds on an empty folder
            except OSError:
                pass


class Batches(NamedTuple):
    """What ``filter`` or ``pool`` does to each input batch.

    ``fn(batch, dtype, padding)`` computes (``padding=None``: the command's
    own); ``rescale(batch)`` resolves ``--rescale``; ``alpha(batch)``, if given,
    is applied to the alpha channel too (pool); ``geometry(h, w)`` is the
    output geometry when the work can be done in bands of rows (filter), else
    ``None``, and ``channels(c)`` the result's channels for ``c`` input channels.
    """

    fn: Callable
    rescale: Callable[[np.ndarray], str]
    alpha: Callable | None = None
    geometry: Callable | None = None
    channels: Callable[[int], int] | None = None


def compute_dtype(args: argparse.Namespace, source: Source, dst: Path):
    """``--dtype``; ``auto``: float32 for float32 batches and for 8/16-bit pixels going to an image file."""
    from ..io import images

    if args.dtype != "auto":
        return np.dtype(args.dtype)
    if source.dtype == np.float32:
        return np.dtype(np.float32)  # .npy output keeps float32 for float32 input
    if images.kind(dst) == "image" and source.dtype in (np.uint8, np.uint16, np.bool_):
        return np.dtype(np.float32)  # exact enough for pixels; half the memory of float64
    return None


def _write_arrays(dst: Path, results: dict[str, np.ndarray], args) -> None:
    from ..io import images

    if images.kind(dst) == "npy":
        if len(results) != 1:
            raise ValueError(f"the input holds {len(results)} arrays; write them to a .npz file")
        images.write_array(dst, next(iter(results.values())), force=args.force)
    else:
        images.write_array(dst, {key or "arr_0": value for key, value in results.items()}, force=args.force)


def _read(job: Job, args: argparse.Namespace) -> Source | None:
    if job.problem:
        error(args, f"{job.src}: {job.problem}")
        return None
    assert job.dst is not None  # a job without a problem has its destination
    if job.dst.exists() and not args.force:
        error(args, f"{job.dst} exists; pass --force to overwrite it (input {job.src} skipped)")
        return None
    try:
        source = read_input(job.src, getattr(args, "volumes", False))
        for note in source.notes:
            error(args, f"note: {job.src}: {note}")
        return source
    except FileNotFoundError:
        error(args, f"{job.src}: no such file")
    except Exception as exc:  # Pillow's decoders raise many kinds for a corrupt file: each is this input's failure
        error(args, f"{job.src}: cannot read it: {_reason(exc, job.src)}")
    return None


def _output(job: Job, source: Source, work: Batches, args, folders: Folders) -> list[str]:
    from ..io import images

    assert job.dst is not None  # only a job without a problem is computed
    dtype = compute_dtype(args, source, job.dst)
    if source.alpha is not None and work.alpha is not None:
        pooled = work.alpha(source.alpha[None, :, :, None], None)[0, :, :, 0]
        source = source._replace(alpha=pooled.astype(source.alpha.dtype, copy=False))
    rescale = work.rescale(next(iter(source.batches.values())))
    image = images.kind(job.dst) == "image"
    results = None
    if not image:
        results = {
            key: compute(b, lambda x: work.fn(x, dtype), args, job.src.name) for key, b in source.batches.items()
        }
    try:
        folders.make(job.dst.parent)
    except OSError as exc:
        raise OSError(f"cannot create the output folder {job.dst.parent}: {exc.strerror or one_line(exc)}") from None
    if image:
        return _bands.picture(job, source, work, rescale, dtype, args)
    assert results is not None  # computed above for every output but an image
    _write_arrays(job.dst, results, args)
    return [text for text in [non_finite_note(results.values())] if text]


def non_finite_note(arrays) -> str | None:
    """``'N of M values are NaN or infinite'`` for raw outputs that hold some (kept as computed), else ``None``."""
    bad = sum(int(np.count_nonzero(~np.isfinite(a))) for a in arrays if a.dtype.kind == "f")
    total = sum(a.size for a in arrays)
    return f"{bad} of {total} values are NaN or infinite" if bad else None


def describe(batches: dict[str, np.ndarray]) -> str:
    """What an input holds, for ``--verbose``: ``'1 image 512x512x3 uint8'``, one part per array.

    >>> describe({"": np.zeros((2, 4, 5, 1), np.float32)})
    '2 images 4x5x1 float32'
    """
    parts = []
    for key, b in batches.items():
        count = f"{len(b)} {'volume' if b.ndim == 5 else 'image'}{'s' * (len(b) != 1)}"
        parts.append(f"{key + ': ' if key else ''}{count} {'x'.join(map(str, b.shape[1:]))} {b.dtype}")
    return ", ".join(parts)


def _process(job: Job, args: argparse.Namespace, work: Batches, folders: Folders) -> bool:
    """One input to its output; ``False`` (after one line on stderr) if it failed."""
    started = time.perf_counter()
    source = _read(job, args)
    if source is None:
        return False
    try:
        notices = _output(job, source, work, args, folders)
    except (ValueError, TypeError, OSError, OverflowError) as exc:
        error(args, f"{job.src}: {_reason(exc, job.src)}")
        return False
    except MemoryError:  # e.g. a huge --padding: this input fails, the others still run
        error(args, f"{job.src}: not enough memory for this request; check --padding, --stride and the kernel size")
        return False
    for notice in notices:
        error(args, f"note: {job.dst}: {notice}")
    if getattr(args, "verbose", False):
        took = time.perf_counter() - started
        error(args, f"{job.src}: {describe(source.batches)} -> {job.dst} in {took:.2f} s")
    say(args, f"wrote {job.dst}")
    return True


def run_batches(args: argparse.Namespace, work: Batches) -> int:
    """Read every input, apply ``work.fn`` to each batch ``(m, h, w, c)``, write the outputs.

    A failing input is reported in one line naming it; the others go on; the
    exit status is 1 if any failed. Output folders are made when the first
    file goes into them, and removed again if nothing could be written.
    """
    from . import _bigfile, _stdio

    if getattr(args, "verbose", False) and getattr(args, "quiet", False):
        raise UsageError("-q (say nothing) and -v (say more) contradict each other; give one")
    if _stdio.wanted(args):  # `-`: through a temporary folder, then this run on its files
        return _stdio.run(args, lambda: run_batches(args, work))
    if _bigfile.wanted(args):  # Zarr stores, or a Dask cluster: chunk by chunk, never all in memory
        return _bigfile.run(args, work.fn)
    plan = plan_outputs(args.inputs, args.output, args.format)
    folders = Folders()
    failed = 0
    try:
        for job in progress(plan, args, desc=args.command, unit="file"):
            failed += not _process(job, args, work, folders)
    finally:
        folders.remove_empty()
    return EXIT_FAILED if failed else EXIT_OK
