"""``convpool filter``: filter image files or NumPy batches with a kernel."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ..io.images import check_npy_size
from . import _volumes
from ._common import UsageError, add_command, add_geometry_options, axes_type, error, one_line
from ._io import Batches, check_volume_inputs, run_batches
from ._options import add_output_options

EXAMPLES = (
    "  convpool filter sample:chelsea -k sobel_x --rescale minmax -o chelsea-edges.png\n"
    "  convpool filter sample:chelsea sample:camera -k gaussian:size=7,sigma=2 -o blurred/\n"
    "  convpool filter sample:coffee -k '1,0,-1;1,0,-1;1,0,-1' --padding valid --stride 2 -o coffee.npy\n"
    "  convpool filter coffee.npy -k box:size=5 --pad-mode constant -o coffee-zeros.npy\n"
    "(sample:NAME is an embedded photo: camera, astronaut, chelsea, coffee)"
)


def kernel_for(kernel: np.ndarray, sum_channels: bool, d: int = 2) -> str:
    """How a kernel of ``d`` spatial axes applies: 'each' channel, 'sum' over channels, or a 'bank' of kernels."""
    if kernel.ndim == d:
        return "sum" if sum_channels else "each"
    return "sum" if kernel.ndim == d + 1 else "bank"


def gains(kernel: np.ndarray, how: str, channels: int, d: int = 2) -> np.ndarray:
    """The sum of the taps of what is computed, one per output channel: 1 keeps the brightness.

    A 2-D kernel summed over ``c`` channels (``--sum-channels``) adds its taps
    ``c`` times; a ``(kh, kw, c)`` kernel adds all its taps; a bank each
    output channel's.
    """
    if how == "each":
        return np.atleast_1d(kernel.sum())
    if how == "sum":
        return np.atleast_1d(kernel.sum() * (channels if kernel.ndim == d else 1))
    return kernel.sum(axis=tuple(range(kernel.ndim - 1)))


def auto_rescale(choice: str, kernel: np.ndarray, how: str = "each", channels: int = 1, d: int = 2) -> str:
    """``auto``: ``clip`` when every output channel's taps sum to 1 (brightness kept), else ``abs``.

    >>> auto_rescale("auto", np.full((3, 3), 1 / 9)), auto_rescale("auto", np.full((3, 3), 1 / 9), "sum", 3)
    ('clip', 'abs')
    """
    if choice != "auto":
        return choice
    return "clip" if np.isclose(gains(kernel, how, channels, d), 1.0).all() else "abs"


def finite_float(text: str) -> float:
    """``--pad-value``: a finite number (NaN or inf would fill every window that touches the border)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"--pad-value must be a finite number, got {text!r}")
    return value


#: The command line's border fill when neither --pad-mode nor --pad-value is given: NumPy's ``reflect``
#: (OpenCV's default BORDER_REFLECT_101; SciPy's ``mirror``), so a blur keeps a bright photo's border
#: bright. The library's own default stays ``constant`` zeros, as the exercise defines it.
PHOTO_PAD_MODE = "reflect"


def pad_options(args: argparse.Namespace) -> tuple[str, float]:
    """``(pad_mode, pad_value)`` from the options: ``--pad-value`` alone means ``--pad-mode constant``.

    >>> ns = argparse.Namespace
    >>> pad_options(ns(pad_mode=None, pad_value=None)), pad_options(ns(pad_mode=None, pad_value=7.0))
    (('reflect', 0.0), ('constant', 7.0))
    """
    if args.pad_value is None:
        return args.pad_mode or PHOTO_PAD_MODE, 0.0
    if args.pad_mode not in (None, "constant"):
        raise UsageError(f"--pad-value applies only to --pad-mode constant, not {args.pad_mode}")
    return "constant", args.pad_value


def names_ndim_3(spec: str) -> bool:
    """Whether a kernel spec is a bank name with the parameter ``ndim=3``: the one rule that implies ``--3d``.

    A ``.npy`` or bank kernel with three axes otherwise keeps its 2-D meaning ``(kh, kw, c)`` (summed
    over channels, e.g. ``spec_sharpen``).

    >>> names_ndim_3("gaussian:size=5,sigma=1,ndim=3"), names_ndim_3("box: ndim = 3.0"), names_ndim_3("spec_sharpen")
    (True, True, False)
    """
    _, colon, rest = spec.strip().partition(":")
    if not colon or spec.strip().lower().endswith(".npy"):
        return False
    for item in rest.split(","):
        name, _, value = item.partition("=")
        if name.strip() == "ndim":
            try:
                return float(value) == 3
            except ValueError:
                return False
    return False


def _volumes_wanted(args: argparse.Namespace, kernel: np.ndarray) -> bool:
    """``--3d``, or a kernel named with ``ndim=3`` (:func:`names_ndim_3`); ``UsageError`` for a 2-D kernel."""
    if args.volumes or names_ndim_3(args.kernel):
        if kernel.ndim not in (3, 4):
            raise UsageError(
                f"-k {args.kernel}: --3d needs a 3-D kernel (kd, kh, kw) or a .npy (kd, kh, kw, c), got "
                f"{'x'.join(map(str, kernel.shape))}; e.g. -k gaussian:size=5,sigma=1,ndim=3"
            )
        return True
    return False


def _parse_kernel(args: argparse.Namespace) -> np.ndarray:
    from .. import kernels

    try:
        if args.kernel.lower().endswith(".npy") and Path(args.kernel).is_file():
            check_npy_size(args.kernel)  # before the library loads it whole
        kernel = kernels.parse(args.kernel)
    except ValueError as exc:
        raise UsageError(f"-k {args.kernel}: {one_line(exc)}") from None
    if not np.isfinite(kernel).all():  # a .npy kernel is read as it is: NaN or inf would spoil every output
        raise UsageError(f"-k {args.kernel}: the kernel holds NaN or infinite values; taps must be finite numbers")
    return kernel


def run(args: argparse.Namespace) -> int:
    """Filter every input with ``-k``; see :func:`convpool.cli._io.run_batches`."""
    import convpool

    from .. import kernels

    kernel = _parse_kernel(args)
    args.volumes = _volumes_wanted(args, kernel)
    d = _volumes.fit_options(args, ("stride", "dilation"))
    if args.volumes:
        check_volume_inputs(args, f"the 3-D kernel {args.kernel}")
    pad_mode, pad_value = pad_options(args)
    options = {"dilation": args.dilation, "pad_mode": pad_mode, "pad_value": pad_value}
    how = kernel_for(kernel, args.sum_channels, d)
    if args.verbose:
        error(
            args,
            f"kernel {args.kernel}: {'x'.join(map(str, kernel.shape))}, taps summing to {kernel.sum():.6g}, "
            f"applied to {'each channel' if how == 'each' else 'the summed channels' if how == 'sum' else 'a bank'}"
            f"{' of volumes' if args.volumes else ''}; padding {args.padding}, pad mode {pad_mode}, "
            f"stride {'x'.join(map(str, args.stride))}, dilation {'x'.join(map(str, args.dilation))}",
        )

    def apply(batch: np.ndarray, dtype=None, padding=None) -> np.ndarray:
        padding = args.padding if padding is None else padding
        if how == "each":
            return kernels.apply(batch, kernel, padding, args.stride, dtype=dtype, **options)
        if how == "sum" and d == 2:
            k3 = np.repeat(kernel[:, :, None], batch.shape[3], axis=2) if kernel.ndim == 2 else kernel
            return convpool.convolve_channels(batch, k3, padding, args.stride, dtype=dtype, **options)[..., None]
        if how == "sum":  # a volume's channels summed: one output channel
            k4 = np.repeat(kernel[..., None], batch.shape[-1], axis=-1) if kernel.ndim == d else kernel
            return convpool.convolve(batch, k4[..., None], padding, args.stride, dtype=dtype, **options)
        return convpool.convolve(batch, kernel, padding, args.stride, dtype=dtype, **options)

    def rescale(batch: np.ndarray) -> str:
        return auto_rescale(args.rescale, kernel, how, batch.shape[-1], d)

    def geometry(h: int, w: int):
        if pad_mode == "wrap" or args.volumes:
            return None  # wrap pads with the far edge's rows, volumes are computed whole: no bands
        return convpool.conv_geometry((h, w), kernel.shape[:2], args.stride, args.padding, args.dilation)

    def channels(c: int) -> int:
        return {"each": c, "sum": 1, "bank": kernel.shape[-1]}[how]

    return run_batches(args, Batches(apply, rescale, geometry=geometry, channels=channels))


def register(commands) -> argparse.ArgumentParser:
    """Add ``filter`` to the sub-command parsers."""
    flt = add_command(
        commands,
        "filter",
        "filter images or .npy batches with a kernel",
        "Filter image files or NumPy batches with a kernel (cross-correlation). A 2-D kernel filters every "
        "channel of a colour image on its own, as an image filter does; --sum-channels adds the channels up "
        "(the exercise's convolve_channels). A (kh, kw, c) .npy kernel sums over channels; a (kh, kw, c, nc) "
        "one gives nc output channels (convolve). With --3d (or a kernel named with ndim=3) a multi-page TIFF is "
        "one volume whose pages are depth, and a .npy or Zarr array (m, d, h, w[, c]) a batch of volumes. "
        "Outputs are written atomically; inputs are never overwritten.",
        EXAMPLES,
        run,
    )
    flt.add_argument(
        "-k",
        "--kernel",
        required=True,
        metavar="KERNEL",
        help="a bank name with optional parameters (gaussian:size=7,sigma=2; list: convpool kernels), "
        "an inline matrix ('1,0,-1;1,0,-1;1,0,-1') or a .npy file",
    )
    add_geometry_options(flt, "same", axes=True)
    flt.add_argument("--stride", type=axes_type("stride"), default=(1,), help="N, SHxSW or SDxSHxSW (default 1)")
    flt.add_argument("--dilation", type=axes_type("dilation"), default=(1,), help="N, DHxDW or DDxDHxDW (default 1)")
    _volumes.add_option(flt, "; implied by a kernel named with ndim=3")
    flt.add_argument(
        "--pad-mode",
        choices=["constant", "edge", "reflect", "symmetric", "wrap"],
        help=f"how the border is filled, as numpy.pad; default {PHOTO_PAD_MODE} (d c b | a b c d, OpenCV's "
        "default), which keeps a photo's border as bright as the photo; constant: zeros, the library's "
        "default (a blur darkens the border)",
    )
    flt.add_argument(
        "--pad-value",
        type=finite_float,
        help="fill of --pad-mode constant (default 0); given alone it implies --pad-mode constant",
    )
    flt.add_argument("--sum-channels", action="store_true", help="sum a 2-D kernel's result over the channels")
    add_output_options(flt)
    return flt
