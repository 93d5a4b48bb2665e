"""The options ``filter`` and ``pool`` share: inputs, output, format, pixels, dtype, cluster."""

from __future__ import annotations

import argparse


def _quality(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 95:  # Pillow: above 95 the files grow with no visible gain
        raise argparse.ArgumentTypeError(f"--quality must be a whole number from 1 to 95, got {text!r}")
    return value


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """INPUT..., ``-o``, ``--format``, ``--rescale``, ``--force``, ``--quiet``: shared by filter and pool."""
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="image files (PNG, JPEG, TIFF, BMP), .npy/.npz batches, sample:NAME (an embedded photo), "
        "or - (standard input; its first bytes tell the type)",
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUTPUT",
        help="output file (its suffix picks the type), a folder (one file per input), or - (standard output, "
        "one input; type from --format, else the input's; never a terminal)",
    )
    parser.add_argument(
        "--format",
        choices=["png", "jpg", "tif", "bmp", "npy", "npz"],
        help="output type for a folder OUTPUT (default: each input's own type)",
    )
    _add_pixel_options(parser)


def _add_pixel_options(parser: argparse.ArgumentParser) -> None:
    """How results become pixels: ``--rescale``, ``--quality``, ``--alpha``, ``--dtype``, and ``--force``, ``-q``."""
    parser.add_argument(
        "--rescale",
        choices=["auto", "clip", "minmax", "abs"],
        default="auto",
        help="how floats become 8-bit pixels in image outputs: clip to 0..255, stretch min..max, or |x| "
        "scaled to 255; auto (default): clip if the kernel sums to 1 (blur, sharpen), else abs "
        "(edges); pooling: clip. .npy/.npz outputs keep the raw values",
    )
    parser.add_argument(
        "--quality", type=_quality, default=95, help="JPEG quality of image outputs, 1 to 95 (default 95)"
    )
    parser.add_argument(
        "--alpha",
        choices=["keep", "drop"],
        default="keep",
        help="keep (default): an input's alpha (transparency) is written back untouched in PNG and TIFF "
        "outputs of the same size; drop: leave it out without a notice",
    )
    parser.add_argument(
        "--dtype",
        choices=["auto", "float32", "float64"],
        default="auto",
        help="floating type of the computation (the dtype= of the library); auto (default): float32 for "
        "float32 input and for 8/16-bit images written as images, else float64 (so .npy outputs of integer "
        "input keep every digit)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite existing outputs (never an input)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no 'wrote' lines")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also say, on stderr, the settings used and each input's shape, type and time taken",
    )
    parser.add_argument(
        "--workers", type=int, metavar="N", help="run on Dask with a local cluster of N worker processes (Zarr output)"
    )
    parser.add_argument("--scheduler", metavar="ADDRESS", help="run on the Dask cluster at ADDRESS (Zarr output)")
