"""``convpool kernels``: list the kernel bank, show one kernel, or draw a gallery."""

from __future__ import annotations

import argparse
import re

import numpy as np

from ._common import EXIT_OK, SINGLE_EXITS, UsageError, add_command, one_line, progress, say
from .filter import auto_rescale

EXAMPLES = "  convpool kernels\n  convpool kernels gaussian:size=7,sigma=2\n  convpool kernels --gallery kernels.png"


def format_kernel(kernel: np.ndarray) -> str:
    """A kernel's matrix as text, 4 significant decimals."""
    return np.array2string(kernel, precision=4, suppress_small=True, max_line_width=100)


def first_line(doc: str | None) -> str:
    """The first line of a docstring, as plain text (no reST literals or roles).

    >>> first_line("Three kernels ``(3, 3, 3, 3)`` for :func:`convpool.convolve`.")
    'Three kernels (3, 3, 3, 3) for convpool.convolve.'
    """
    if not doc:
        return ""
    line = doc.strip().splitlines()[0].replace("``", "")
    return re.sub(r":[a-z]+:`~?([^`]+)`", r"\1", line)


def kernel_text(kernel: np.ndarray) -> str:
    """A kernel as 2-D matrices a reader can take in: one per input channel (and output channel).

    NumPy prints a ``(kh, kw, c)`` array as ``kh`` blocks of ``(kw, c)``, which
    reads as the wrong kernel.
    """
    if kernel.ndim == 2:
        return format_kernel(kernel)
    blocks = []
    for index in np.ndindex(*kernel.shape[2:]):
        label = f"input channel {index[0]}" + (f", output channel {index[1]}" if len(index) == 2 else "")
        blocks.append(f"{label}:\n" + format_kernel(kernel[(slice(None), slice(None)) + index]))
    return "\n".join(blocks)


def _show_one(spec: str) -> None:
    from .. import kernels

    try:
        kernel = kernels.parse(spec)
    except ValueError as exc:
        raise UsageError(one_line(exc)) from None
    name = spec.split(":")[0]
    try:
        key = kernels.describe(name).split("(")[0]
        print(f"{spec}: {first_line(kernels.BANK[key].__doc__)}")
    except ValueError:  # an inline matrix or a .npy file: no name to describe
        print(spec)
    layout = {3: " (kh, kw, c): summed over the channels", 4: " (kh, kw, c, nc): one kernel per output channel"}
    print(f"shape {kernel.shape}, sum {kernel.sum():.4g}{layout.get(kernel.ndim, '')}")
    print(kernel_text(kernel))


def _list_all() -> None:
    from .. import kernels

    for name in kernels.names():
        kernel = kernels.get(name)
        print(f"{kernels.describe(name)}: {first_line(kernels.BANK[name].__doc__)}")
        if kernel.ndim == 2:
            print("  " + format_kernel(kernel).replace("\n", "\n  "))
        else:
            print(f"  shape {kernel.shape}: see `convpool kernels {name}`")


def run(args: argparse.Namespace) -> int:
    """Show NAME, or list the bank (unless only ``--gallery`` is asked), then draw the gallery."""
    if args.name:
        _show_one(args.name)
    elif not args.gallery:
        _list_all()
    if args.gallery:
        return _gallery(args)
    return EXIT_OK


def _gallery(args: argparse.Namespace) -> int:
    import convpool

    from .. import data, kernels, plot
    from ..io.files import atomic_write

    image = data.photo(args.photo)
    batch = image[None, ..., None] if image.ndim == 2 else image[None]
    results, bank = {}, {}
    for name in progress(kernels.names(), args, desc="gallery", unit="kernel"):
        kernel = kernels.get(name)
        if kernel.ndim == 2:
            out = kernels.apply(batch, kernel)[0]
        elif kernel.ndim == 3 and kernel.shape[2] == batch.shape[3]:
            out = convpool.convolve_channels(batch, kernel)[0]
        elif kernel.ndim == 4 and kernel.shape[2] == batch.shape[3]:
            out = convpool.convolve(batch, kernel)[0]
        else:
            continue  # a channel kernel on a grayscale photo
        pixels = gallery_pixels(out, kernel)
        results[name] = pixels[..., 0] if pixels.ndim == 3 and pixels.shape[2] == 1 else pixels
        bank[name] = kernel
    try:
        atomic_write(args.gallery, lambda tmp: plot.kernel_gallery(image, results, bank, tmp), force=args.force)
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None
    say(args, f"wrote {args.gallery}")
    return EXIT_OK


def gallery_pixels(out: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Display pixels: brightness-keeping kernels clipped; the others as ``|x|`` up to its 99th percentile.

    A few strong edges would make plain ``abs`` scaling (by the maximum) almost black.
    """
    from ..io import images

    how = "each" if kernel.ndim == 2 else ("sum" if kernel.ndim == 3 else "bank")
    if auto_rescale("auto", kernel, how) == "clip":
        return images.to_pixels(out, "clip")
    magnitude = np.abs(out)
    top = float(np.percentile(magnitude, 99)) or 1.0
    return images.to_pixels(magnitude * (255.0 / top), "clip")


def register(commands) -> argparse.ArgumentParser:
    """Add ``kernels`` to the sub-command parsers."""
    kn = add_command(
        commands,
        "kernels",
        "list the kernel bank, show one kernel, or draw a gallery",
        "Without NAME, list every kernel of the bank with its matrix. With NAME (parameters allowed), show "
        "that kernel. --gallery draws every kernel next to what it does to a sample photo.",
        EXAMPLES,
        run,
        SINGLE_EXITS,
    )
    kn.add_argument("name", nargs="?", metavar="NAME", help="a bank name, e.g. sobel_x or gaussian:size=7,sigma=2")
    kn.add_argument("--gallery", metavar="FILE.png", help="write a PNG of every kernel applied to a sample photo")
    kn.add_argument(
        "--photo", default="chelsea", choices=["camera", "astronaut", "chelsea", "coffee"], help="default chelsea"
    )
    kn.add_argument("--force", action="store_true", help="overwrite the gallery file")
    kn.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no 'wrote' line")
    return kn
