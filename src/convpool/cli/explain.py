"""``convpool explain``: animate the window moving over the padded input (GIF), plus a still of one step."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np

from ._common import (
    EXIT_OK,
    SINGLE_EXITS,
    UsageError,
    add_command,
    add_geometry_options,
    one_line,
    pair_type,
    parse_pair,
    positive_fps,
    say,
)

EXAMPLES = (
    "  convpool explain --input 5x5 --kernel 3x3 --padding same --stride 2 -o conv.gif --still step.png\n"
    "  convpool explain --input 6x6 --kernel 2x2 --stride 2 --mode max -o maxpool.gif\n"
    "  convpool explain --input sample:camera --patch 100,120 --kernel sobel_x -o sobel.gif --still sobel.png\n"
    "  convpool explain --input sample:chelsea --channel 1 --size 6x6 --kernel gaussian:size=3,sigma=1 -o blur.gif\n"
    "  convpool explain --input sample:chelsea --size 4 --kernel sobel_x -o rgb.gif --channels-view rgb.png\n"
    "  convpool explain --input 4x4 --kernel 2x2 --channels 3 -o sum.gif --channels-view sum.png"
)

#: Beyond this many output cells the digits in the frames would not be readable.
MAX_CELLS = 400


#: ``N`` or ``HxW``: a size (random digits / a random kernel), anything else a source or a kernel spec.
_SIZE = re.compile(r"^\s*\d+\s*([x*]\s*\d+\s*)?$", re.IGNORECASE)


def _is_size(text: str) -> bool:
    return bool(_SIZE.match(str(text)))


def _patch_corner(text: str) -> tuple[int, int]:
    """``ROW,COL`` (whole numbers >= 0), the top-left pixel of the patch."""
    parts = str(text).split(",")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 2 or min(values) < 0:
        raise argparse.ArgumentTypeError(
            f"--patch must be ROW,COL with whole numbers >= 0 (e.g. 100,120), got {text!r}"
        )
    return (values[0], values[1])


def _read_image(name: str) -> np.ndarray:
    """The first image of ``name`` (a sample photo or a file), shape ``(h, w, c)``."""
    from ._io import _reason, input_problem, read_input

    problem = input_problem(name)
    if problem is None:
        try:
            batches = read_input(Path(name)).batches
        except (OSError, ValueError) as exc:
            problem = _reason(exc, Path(name))
    if problem is not None:
        raise UsageError(f"--input {name}: {problem}")
    batch = next(iter(batches.values()))
    if batch.ndim != 4 or 0 in batch.shape[:3]:
        raise UsageError(f"--input {name}: holds no image (shape {batch.shape})")
    return batch[0]


def _patch(args: argparse.Namespace, smallest: tuple[int, int], window: str):
    """The input numbers ``(h, w)``, how the frame names them, and every channel ``(h, w, c)`` of an image
    (``None`` for random digits). ``smallest``: the least ``(h, w)`` the window fits on (:func:`_smallest`),
    ``window`` the window in words (:func:`_window_words`)."""
    if _is_size(args.input):
        if args.patch is not None or args.channel is not None:
            raise UsageError("--patch and --channel take a piece of an image: give --input sample:camera or a file")
        return None, "input", None
    image = _read_image(args.input)
    h, w, c = image.shape
    if h < smallest[0] or w < smallest[1]:
        raise UsageError(
            f"--input {args.input} is {h}x{w}, too small for {window}, which needs at least "
            f"{smallest[0]}x{smallest[1]}: use a larger image or --padding same"
        )
    channel = 0 if args.channel is None else args.channel
    if not 0 <= channel < c:
        raise UsageError(f"--channel must be from 0 to {c - 1} ({args.input} has {c} channel(s)), got {channel}")
    ph, pw = args.size
    if ph > h or pw > w:
        raise UsageError(f"--size {ph}x{pw} does not fit in {args.input} ({h}x{w}): give --size of at most {h}x{w}")
    row, col = args.patch if args.patch is not None else ((h - ph) // 2, (w - pw) // 2)
    if row + ph > h or col + pw > w:
        raise UsageError(
            f"--patch {row},{col} with --size {ph}x{pw} does not fit in {args.input} ({h}x{w}): "
            f"ROW must be at most {h - ph} and COL at most {w - pw}"
        )
    planes = image[row : row + ph, col : col + pw, :]
    planes = planes.astype(np.int64 if planes.dtype.kind in "iub" else np.float64)
    where = f"{args.input}[{row}:{row + ph}, {col}:{col + pw}" + (f", {channel}]" if c > 1 else "]")
    return planes[:, :, channel], where, planes


def _smallest(args: argparse.Namespace, kshape: tuple[int, int]) -> tuple[int, int]:
    """The least input ``(h, w)`` on which the window fits once (1x1 with padding 'same' or 'full')."""
    from .._plan._shapes import axis_padding, smallest_size

    if args.padding in ("same", "full"):
        return (1, 1)
    dilation = args.dilation if args.mode == "conv" else (1, 1)
    h, w = (
        smallest_size(k, d, *axis_padding(args.padding, axis, 1, k, s, d))
        for axis, (k, s, d) in enumerate(zip(kshape, args.stride, dilation, strict=True))
    )
    return h, w


def _window_words(args: argparse.Namespace, kshape: tuple[int, int]) -> str:
    """The window and its padding in words: ``a 3x3 kernel with no padding (--padding valid)``."""
    kh, kw = kshape
    what = "kernel" if args.mode == "conv" else f"{args.mode} pool window"
    dilated = f" dilated by {args.dilation[0]}x{args.dilation[1]}" if tuple(args.dilation) != (1, 1) else ""
    if args.padding == "valid":
        padding = "no padding (--padding valid)"
    elif isinstance(args.padding, str):
        padding = f"--padding {args.padding}"
    else:
        padding = "padding " + "x".join(f"{b},{a}" for b, a in args.padding)
    return f"a {kh}x{kw} {what}{dilated} with {padding}"


def _kernel(args: argparse.Namespace) -> tuple[tuple[int, int], np.ndarray | None]:
    """The window shape and, for a named or inline kernel, its weights (``None``: random or pooling)."""
    from .. import kernels

    args.kernel_is_random = _is_size(args.kernel)
    if _is_size(args.kernel):
        try:
            return parse_pair(args.kernel, "kernel"), None
        except argparse.ArgumentTypeError as exc:
            raise UsageError(f"--kernel: {exc}") from None
    if args.mode != "conv":
        raise UsageError(f"--mode {args.mode} pools a window: give --kernel a size like 2x2, got {args.kernel!r}")
    try:
        weights = kernels.parse(args.kernel)
    except (TypeError, ValueError, OSError) as exc:
        raise UsageError(f"--kernel {args.kernel}: {one_line(exc)}") from None
    if weights.ndim != 2:
        raise UsageError(f"--kernel {args.kernel}: explain draws a 2-D kernel, got shape {weights.shape}")
    return weights.shape, weights


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse, before drawing anything, outputs that could not all be written as asked."""
    if Path(args.output).suffix.lower() != ".gif":
        raise UsageError(f"-o/--output is the animation and must end in .gif, got {args.output!r}")
    if args.still and Path(args.still).resolve() == Path(args.output).resolve():
        raise UsageError(f"--still and -o/--output name the same file {args.output!r}: give the still its own .png")
    if args.still and Path(args.still).suffix.lower() != ".png":
        raise UsageError(f"--still must end in .png, got {args.still!r}")
    view = args.channels_view
    if view and Path(view).suffix.lower() != ".png":
        raise UsageError(f"--channels-view must end in .png, got {view!r}")
    if view and any(other and Path(view).resolve() == Path(other).resolve() for other in (args.output, args.still)):
        raise UsageError(f"--channels-view {view!r} names the same file as -o or --still: give it its own .png")


def _geometry(args: argparse.Namespace, size: tuple[int, int], kshape: tuple[int, int], smallest, window: str):
    import convpool

    if size[0] < smallest[0] or size[1] < smallest[1]:
        option = f"--input {size[0]}x{size[1]}" if _is_size(args.input) else f"--size {size[0]}x{size[1]}"
        raise UsageError(
            f"{option} is too small for {window}: it needs at least {smallest[0]}x{smallest[1]} (or --padding same)"
        )
    try:
        geometry = convpool.conv_geometry(size, kshape, args.stride, args.padding, args.dilation)
    except ValueError as exc:
        raise UsageError(one_line(exc)) from None
    gh, gw = geometry
    if gh.out * gw.out > MAX_CELLS or max(gh.padded, gw.padded) > 40:
        raise UsageError(
            f"explain draws every cell: output {gh.out}x{gw.out} on a {gh.padded}x{gw.padded} grid is too big "
            f"(at most {MAX_CELLS} output cells, 40 cells a side); try --input 5x5 --kernel 3x3"
        )
    return geometry


def _compute(args: argparse.Namespace, values, weights, size, kshape):
    """The input (random digits unless given), the kernel (random small integers unless given) and the
    result computed by convpool: ``(values, kernel or None, result)``."""
    import convpool

    rng = np.random.default_rng(args.seed)
    if values is None:
        values = rng.integers(0, 10, size=size)
    if args.mode == "conv":
        kernel = rng.integers(-1, 3, size=kshape) if weights is None else weights
        result = convpool.convolve(
            values[None, :, :, None], kernel[:, :, None, None], args.padding, args.stride, dilation=args.dilation
        )
        return values, kernel, result[0, :, :, 0]
    try:
        result = convpool.pool(values[None, :, :, None], kshape, args.stride, args.mode, padding=args.padding)
    except ValueError as exc:
        raise UsageError(one_line(exc)) from None
    return values, None, result[0, :, :, 0]


def scene_for(args: argparse.Namespace):
    """The :class:`convpool.plot.ExplainScene` the options ask for, and its geometry (all checked first)."""
    from .. import plot

    kshape, weights = _kernel(args)
    if args.mode != "conv" and args.dilation != (1, 1):
        raise UsageError("pooling has no dilation; use --mode conv with --dilation")
    smallest, window = _smallest(args, kshape), _window_words(args, kshape)
    values, where, planes = _patch(args, smallest, window)
    try:
        size = parse_pair(args.input, "input") if values is None else values.shape
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"--input: {exc}") from None
    geometry = _geometry(args, size, kshape, smallest, window)
    values, kernel, result = _compute(args, values, weights, size, kshape)
    named = None if weights is None else args.kernel
    view = _channels(args, values, kernel, planes)
    # with the channels view, the animated plane is one of several: its map is a partial map (the view's
    # sum of all of them is the output), and the frames say so
    name = "output" if view is None else f"partial map of channel {args.channel or 0}"
    scene = plot.ExplainScene(
        values, kernel, geometry, result, args.mode, source=where, kernel_name=named, output_name=name
    )
    return scene, geometry, view


def _channels(args: argparse.Namespace, values, kernel, planes):
    """The channels view's input ``(h, w, c)`` and kernel ``(kh, kw, c)``, or ``None`` if not asked for.

    A photo patch brings its own channels and the 2-D kernel is used on each (as ``filter
    --sum-channels``); random digits get ``--channels C`` planes and random kernel slices, the
    animation's own plane and kernel first.
    """
    if args.channels_view is None:
        if args.channels is not None:
            raise UsageError("--channels is the number of planes of --channels-view: give --channels-view FILE.png")
        return None
    if args.mode != "conv":
        raise UsageError(f"--channels-view shows a convolution summing over channels; --mode {args.mode} pools each")
    if planes is not None:
        if args.channels is not None:
            raise UsageError(f"--channels is for random digits; {args.input} brings its own channels")
        if planes.shape[2] < 2:
            raise UsageError(f"--channels-view needs several channels: {args.input} is grayscale (try sample:chelsea)")
        return planes, np.repeat(kernel[:, :, None], planes.shape[2], axis=2)
    c = 3 if args.channels is None else args.channels
    if not 2 <= c <= 6:
        raise UsageError(f"--channels must be from 2 to 6, got {c}")
    rng = np.random.default_rng(args.seed + 1)  # the animation's plane stays what it was without the view
    extra = rng.integers(0, 10, size=(*values.shape, c - 1))
    slices = (
        rng.integers(-1, 3, size=(*kernel.shape, c - 1))
        if args.kernel_is_random
        else np.repeat(kernel[:, :, None], c - 1, axis=2)
    )
    return np.concatenate([values[:, :, None], extra], axis=2), np.concatenate([kernel[:, :, None], slices], axis=2)


def run(args: argparse.Namespace) -> int:
    """Draw the animation (and the still) with :mod:`convpool.plot`."""
    from .. import plot
    from ..io.files import atomic_write

    scene, geometry, view = scene_for(args)
    gh, gw = geometry
    steps = scene.steps
    step = steps // 2 if args.step is None else args.step
    if not 0 <= step < steps:
        raise UsageError(f"--step must be from 0 to {steps - 1} (one per output cell), got {step}")
    _check_outputs(args)
    try:
        frames = [0]
        atomic_write(
            args.output,
            lambda tmp: frames.__setitem__(0, plot.explain_gif(scene, tmp, fps=args.fps)),
            force=args.force,
        )
        say(args, f"wrote {args.output}: {frames[0]} frames, one per output cell ({gh.out}x{gw.out})")
        if args.still:
            atomic_write(args.still, lambda tmp: plot.explain_still(scene, tmp, step), force=args.force)
            say(args, f"wrote {args.still}: step {step}, {scene.formula(step)}")
        if view is not None:
            _write_view(args, view)
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None
    finally:
        scene.close()
    return EXIT_OK


def _write_view(args: argparse.Namespace, view) -> None:
    """The channels view: each plane times its kernel slice, the partial maps, and their sum."""
    from ..io.files import atomic_write
    from ..plot._mpl import _pyplot
    from ..plot.learn import channel_sum

    planes, kernel = view
    # random digits are no colours: their planes are called "channel c", a photo's red, green, blue
    names = () if _is_size(args.input) else ("red", "green", "blue")
    board = channel_sum(planes, kernel, padding=args.padding, stride=args.stride, dilation=args.dilation, names=names)
    try:
        atomic_write(args.channels_view, board.finish, force=args.force)
    finally:
        _pyplot().close(board.fig)
    say(args, f"wrote {args.channels_view}: {planes.shape[2]} channels, their partial maps and the sum")


def register(commands) -> argparse.ArgumentParser:
    """Add ``explain`` to the sub-command parsers."""
    ex = add_command(
        commands,
        "explain",
        "animate the window moving over the padded input (GIF), plus a still of one step",
        "Write an animated GIF of the window moving over the padded input grid (padding grey and dashed), "
        "the output grid filling in cell by cell: one frame per output cell. The input is random digits "
        "(--seed), or a patch of a photo (--input sample:camera or an image file, --patch ROW,COL, --size HxW); "
        "for --mode conv the kernel weights are random small integers, or a bank kernel or inline matrix "
        "(--kernel sobel_x, gaussian:size=3,sigma=1, '1,0;0,-1'), shown in each window cell. --still writes "
        "one step as a PNG with the arithmetic.",
        EXAMPLES,
        run,
        SINGLE_EXITS,
    )
    ex.add_argument(
        "--input",
        default="5x5",
        help="N or HxW: random digits (default 5x5); or sample:NAME or an image file: a patch of its pixels",
    )
    ex.add_argument("--patch", type=_patch_corner, help="ROW,COL: top-left pixel of the patch (default: the centre)")
    ex.add_argument("--size", type=pair_type("size"), default=(5, 5), help="patch size, N or HxW (default 5x5)")
    ex.add_argument("--channel", type=int, help="which channel of a colour image (default 0, red)")
    ex.add_argument(
        "--kernel",
        default="3x3",
        help="N or KHxKW: random small weights (default 3x3; the window for pooling); or a bank name "
        "(sobel_x, gaussian:size=3,sigma=1) or an inline matrix '1,0,-1;2,0,-2', as filter -k",
    )
    ex.add_argument("--stride", type=pair_type("stride"), default=(1, 1), help="N or SHxSW (default 1)")
    ex.add_argument("--dilation", type=pair_type("dilation"), default=(1, 1), help="N or DHxDW (default 1)")
    add_geometry_options(ex, "valid")
    ex.add_argument("--mode", choices=["conv", "max", "avg", "min", "sum"], default="conv", help="default conv")
    ex.add_argument("-o", "--output", required=True, metavar="FILE.gif", help="the animation (GIF)")
    ex.add_argument("--still", metavar="FILE.png", help="also write one step as a PNG")
    ex.add_argument(
        "--channels-view",
        metavar="FILE.png",
        help="also write each channel times its kernel slice, the partial maps and their sum (conv)",
    )
    ex.add_argument("--channels", type=int, help="planes of random digits for --channels-view, 2 to 6 (default 3)")
    ex.add_argument("--step", type=int, default=None, help="which step the still shows (default: the middle)")
    ex.add_argument("--fps", type=positive_fps, default=2.0, help="frames per second, 0.1 to 50 (default 2)")
    ex.add_argument("--seed", type=int, default=0, help="seed of the random input digits (default 0)")
    ex.add_argument("--force", action="store_true", help="overwrite existing files")
    ex.add_argument("-q", "--quiet", action="store_true", help="no 'wrote' lines")
    return ex
