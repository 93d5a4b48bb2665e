"""Reading inputs, planning outputs and writing them, for the batch commands ``filter`` and ``pool``.

Outputs go through :func:`convpool._files.atomic_write` (in :mod:`convpool.imageio`):
a hidden temporary file beside the target, renamed into place when complete.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ._common import EXIT_FAILED, EXIT_OK, UsageError, error, one_line, progress, say

#: Bytes of input per block when a batch is computed piecewise (for the progress bar and bounded memory).
BLOCK_BYTES = 32 << 20

#: Inputs named ``sample:NAME`` are the embedded photos (:func:`convpool.data.photo`), so examples run anywhere.
SAMPLE_PREFIX = "sample:"


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """INPUT..., ``-o``, ``--format``, ``--rescale``, ``--force``, ``--quiet``: shared by filter and pool."""
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="image files (PNG, JPEG, TIFF, BMP), .npy/.npz batches, or sample:NAME (an embedded photo)",
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUTPUT",
        help="output file (its suffix picks the type), or a folder (one file per input)",
    )
    parser.add_argument(
        "--format",
        choices=["png", "jpg", "tif", "bmp", "npy", "npz"],
        help="output type for a folder OUTPUT (default: each input's own type)",
    )
    parser.add_argument(
        "--rescale",
        choices=["auto", "clip", "minmax", "abs"],
        default="auto",
        help="how floats become 8-bit pixels in image outputs: clip to 0..255, stretch min..max, or |x| "
        "scaled to 255; auto (default): clip if the kernel sums to 1 (blur, sharpen), else abs "
        "(edges); pooling: clip. .npy/.npz outputs keep the raw values",
    )
    parser.add_argument("--force", action="store_true", help="overwrite existing outputs (never an input)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no 'wrote' lines")


# --- planning outputs: where each input goes -------------------------------------------------------


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def is_sample(name: str) -> bool:
    """Whether an input names an embedded photo (``sample:NAME``)."""
    return str(name).startswith(SAMPLE_PREFIX)


def read_input(src: Path) -> dict[str, np.ndarray]:
    """An input file, or an embedded photo for ``sample:NAME``, as named batches ``(m, h, w, c)``."""
    from .. import data, imageio

    if is_sample(str(src)):
        image = data.photo(str(src)[len(SAMPLE_PREFIX) :])
        return {"": image[None, ..., None] if image.ndim == 2 else image[None]}
    return imageio.read_batch(src)


def plan_outputs(inputs: list[str], output: str, fmt: str | None) -> list[tuple[Path, Path]]:
    """Pair each input with its output file; ``UsageError`` for any clash.

    One input and an OUTPUT that is not a folder: OUTPUT is the file. Several
    inputs, an existing folder, or an OUTPUT ending in ``/``: one file per
    input in that folder, named after the input with the suffix of ``fmt``
    (default: the input's own). An output that is also an input is refused
    (even with ``--force``), as are two inputs that would share an output.
    """
    from .. import imageio

    out = Path(output)
    folder_mode = len(inputs) > 1 or out.is_dir() or output.endswith(("/", os.sep))
    if fmt is not None:
        fmt = fmt if fmt.startswith(".") else f".{fmt}"
    plan = []
    for name in inputs:
        src = Path(name)
        stem, suffix = (name[len(SAMPLE_PREFIX) :], ".png") if is_sample(name) else (src.stem, src.suffix.lower())
        dst = out / (stem + (fmt or suffix)) if folder_mode else out
        try:
            imageio.kind(dst)
        except ValueError as exc:
            hint = "--format picks the type in a folder" if folder_mode else "end OUTPUT with / to make it a folder"
            raise UsageError(f"{exc} ({hint})") from None
        plan.append((src, dst))
    if folder_mode and out.exists() and not out.is_dir():
        raise UsageError(f"OUTPUT {out} must be a folder when there are several inputs")
    _check_clashes(plan)
    return plan


def _check_clashes(plan: list[tuple[Path, Path]]) -> None:
    targets = [dst.resolve() for _, dst in plan]
    if len(set(targets)) != len(targets):
        raise UsageError("two inputs would write the same output file; use separate runs or rename the inputs")
    for src, _ in plan:
        for dst in targets:
            if src.resolve() == dst or _same_file(src, dst):
                raise UsageError(f"output {dst} is the input {src}; refusing to overwrite an input")


# --- the batch driver shared by `filter` and `pool` ------------------------------------------------


def _blocks(batch: np.ndarray) -> list[slice]:
    per_image = max(batch[0].nbytes * 8, 1) if len(batch) else 1  # float64 results, a few copies
    step = max(BLOCK_BYTES // per_image, 1)
    return [slice(i, i + step) for i in range(0, len(batch), step)] or [slice(0, 0)]


def _compute(batch: np.ndarray, fn: Callable[[np.ndarray], np.ndarray], args, label: str) -> np.ndarray:
    blocks = _blocks(batch)
    if len(blocks) == 1:
        return fn(batch)
    parts = [fn(batch[s]) for s in progress(blocks, args, desc=label, unit="block", leave=False)]
    return np.concatenate(parts)


def _write(dst: Path, results: dict[str, np.ndarray], args) -> None:
    from .. import imageio

    what = imageio.kind(dst)
    if what == "npy":
        if len(results) != 1:
            raise ValueError(f"the input holds {len(results)} arrays; write them to a .npz file")
        imageio.write_array(dst, next(iter(results.values())), force=args.force)
    elif what == "npz":
        imageio.write_array(dst, {key or "arr_0": value for key, value in results.items()}, force=args.force)
    else:
        (batch,) = results.values() if len(results) == 1 else (None,)
        if batch is None or len(batch) != 1:
            count = sum(len(b) for b in results.values())
            raise ValueError(f"the result holds {count} images; an image file takes one, write .npy or .npz instead")
        imageio.write_image(dst, batch[0], rescale=args.rescale_mode, force=args.force)


def _process(src: Path, dst: Path, args: argparse.Namespace, fn) -> bool:
    """One input to its output; ``False`` (after one line on stderr) if it failed."""
    if dst.exists() and not args.force:
        error(args, f"{dst} exists; pass --force to overwrite it (input {src} skipped)")
        return False
    try:
        batches = read_input(src)
    except FileNotFoundError:
        error(args, f"{src}: no such file")
        return False
    except (OSError, ValueError, EOFError) as exc:
        error(args, f"{src}: cannot read it: {one_line(exc)}")
        return False
    try:
        results = {key: _compute(batch, fn, args, src.name) for key, batch in batches.items()}
        _write(dst, results, args)
    except (ValueError, TypeError, OSError) as exc:
        error(args, f"{src}: {one_line(exc)}")
        return False
    except MemoryError:  # e.g. a huge --padding: this input fails, the others still run
        error(args, f"{src}: not enough memory for this request; check --padding, --stride and the kernel size")
        return False
    say(args, f"wrote {dst}")
    return True


def run_batches(args: argparse.Namespace, fn: Callable[[np.ndarray], np.ndarray]) -> int:
    """Read every input, apply ``fn`` to each batch ``(m, h, w, c)``, write the outputs.

    A failing input is reported in one line naming it; the others go on; the
    exit status is 1 if any failed.
    """
    plan = plan_outputs(args.inputs, args.output, args.format)
    for folder in {dst.parent for _, dst in plan}:
        folder.mkdir(parents=True, exist_ok=True)
    failed = 0
    for src, dst in progress(plan, args, desc=args.command, unit="file"):
        failed += not _process(src, dst, args, fn)
    return EXIT_FAILED if failed else EXIT_OK
