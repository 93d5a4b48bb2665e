"""``convpool pool``: max/average/min/sum pooling of image files or NumPy batches."""

from __future__ import annotations

import argparse

import numpy as np

from . import _volumes
from ._common import add_command, add_geometry_options, axes_type
from ._io import Batches, check_volume_inputs, run_batches
from ._options import add_output_options

EXAMPLES = (
    "  convpool pool sample:astronaut --size 2 --stride 2 --mode max -o astronaut-small.png\n"
    "  convpool pool sample:camera --size 3 --stride 2 --mode avg --padding same -o camera-pooled.npy\n"
    "(sample:NAME is an embedded photo: camera, astronaut, chelsea, coffee)"
)


def run(args: argparse.Namespace) -> int:
    """Pool every input; see :func:`convpool.cli._io.run_batches`."""
    import convpool

    _volumes.fit_options(args, ("size", "stride"))
    if args.volumes:
        check_volume_inputs(args, "pooling with --3d")
    stride = args.stride or args.size
    mode = "clip" if args.rescale == "auto" else args.rescale

    def apply(batch: np.ndarray, dtype=None, padding=None) -> np.ndarray:
        if args.dtype == "auto" and args.mode in ("max", "min"):
            dtype = None  # the winners' own values: 8-bit pixels stay exact 8-bit pixels
        return convpool.pool(
            batch,
            args.size,
            stride,
            args.mode,
            padding=args.padding if padding is None else padding,
            count_include_pad=args.count_include_pad,
            dtype=dtype,
        )

    # alpha is pooled with the same window: the output's transparency matches its pixels
    return run_batches(args, Batches(apply, lambda batch: mode, alpha=apply))


def register(commands) -> argparse.ArgumentParser:
    """Add ``pool`` to the sub-command parsers."""
    pl = add_command(
        commands,
        "pool",
        "max/average pooling of images or .npy batches",
        "Pool image files or NumPy batches, each channel on its own. Padded cells never win a max or min and "
        "are not counted in an average (unless --count-include-pad). With --3d a multi-page TIFF is one volume "
        "whose pages are depth, and a .npy or Zarr array (m, d, h, w[, c]) a batch of volumes: the window "
        "pools depth too.",
        EXAMPLES,
        run,
    )
    pl.add_argument("--size", type=axes_type("size"), required=True, help="window N, HxW or (--3d) DxHxW")
    pl.add_argument("--stride", type=axes_type("stride"), default=None, help="N, SHxSW or SDxSHxSW (default: the size)")
    pl.add_argument("--mode", choices=["max", "avg", "min", "sum"], default="max", help="default max")
    add_geometry_options(pl, "valid", axes=True)
    _volumes.add_option(pl)
    pl.add_argument("--count-include-pad", action="store_true", help="average over the whole window, padding too")
    add_output_options(pl)
    return pl
