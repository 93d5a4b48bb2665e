"""``convpool explain``: animate the window moving over the padded input (GIF), plus a still of one step."""

from __future__ import annotations

import argparse
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
    positive_fps,
    say,
)

EXAMPLES = (
    "  convpool explain --input 5x5 --kernel 3x3 --padding same --stride 2 -o conv.gif --still step.png\n"
    "  convpool explain --input 6x6 --kernel 2x2 --stride 2 --mode max -o maxpool.gif"
)

#: Beyond this many output cells the digits in the frames would not be readable.
MAX_CELLS = 400


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse, before drawing anything, outputs that could not all be written as asked."""
    if Path(args.output).suffix.lower() != ".gif":
        raise UsageError(f"-o/--output is the animation and must end in .gif, got {args.output!r}")
    if args.still and Path(args.still).resolve() == Path(args.output).resolve():
        raise UsageError(f"--still and -o/--output name the same file {args.output!r}: give the still its own .png")
    if args.still and Path(args.still).suffix.lower() != ".png":
        raise UsageError(f"--still must end in .png, got {args.still!r}")


def _geometry(args: argparse.Namespace):
    import convpool

    if args.mode != "conv" and args.dilation != (1, 1):
        raise UsageError("pooling has no dilation; use --mode conv with --dilation")
    try:
        geometry = convpool.conv_geometry(args.input, args.kernel, args.stride, args.padding, args.dilation)
    except ValueError as exc:
        raise UsageError(one_line(exc)) from None
    gh, gw = geometry
    if gh.out * gw.out > MAX_CELLS or max(gh.padded, gw.padded) > 40:
        raise UsageError(
            f"explain draws every cell: output {gh.out}x{gw.out} on a {gh.padded}x{gw.padded} grid is too big "
            f"(at most {MAX_CELLS} output cells, 40 cells a side); try --input 5x5 --kernel 3x3"
        )
    return geometry


def _compute(args: argparse.Namespace):
    """Random digits, a random kernel for conv, and the result: ``(values, kernel or None, result)``."""
    import convpool

    rng = np.random.default_rng(args.seed)
    values = rng.integers(0, 10, size=args.input)
    if args.mode == "conv":
        kernel = rng.integers(-1, 3, size=args.kernel)
        result = convpool.convolve(
            values[None, :, :, None], kernel[:, :, None, None], args.padding, args.stride, dilation=args.dilation
        )
        return values, kernel, result[0, :, :, 0]
    try:
        result = convpool.pool(values[None, :, :, None], args.kernel, args.stride, args.mode, padding=args.padding)
    except ValueError as exc:
        raise UsageError(one_line(exc)) from None
    return values, None, result[0, :, :, 0]


def run(args: argparse.Namespace) -> int:
    """Draw the animation (and the still) with :mod:`convpool.plot`."""
    from .. import plot
    from .._files import atomic_write

    geometry = _geometry(args)
    gh, gw = geometry
    values, kernel, result = _compute(args)
    scene = plot.ExplainScene(values, kernel, geometry, result, args.mode)
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
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None
    finally:
        scene.close()
    return EXIT_OK


def register(commands) -> argparse.ArgumentParser:
    """Add ``explain`` to the sub-command parsers."""
    ex = add_command(
        commands,
        "explain",
        "animate the window moving over the padded input (GIF), plus a still of one step",
        "Write an animated GIF of the window moving over the padded input grid (padding grey and dashed), "
        "the output grid filling in cell by cell: one frame per output cell. The input is random digits "
        "(--seed); for --mode conv the kernel weights are random small integers, shown in each window "
        "cell. --still writes one step as a PNG with the arithmetic.",
        EXAMPLES,
        run,
        SINGLE_EXITS,
    )
    ex.add_argument("--input", type=pair_type("input"), default=(5, 5), help="N or HxW (default 5x5)")
    ex.add_argument("--kernel", type=pair_type("kernel"), default=(3, 3), help="N or KHxKW (default 3x3)")
    ex.add_argument("--stride", type=pair_type("stride"), default=(1, 1), help="N or SHxSW (default 1)")
    ex.add_argument("--dilation", type=pair_type("dilation"), default=(1, 1), help="N or DHxDW (default 1)")
    add_geometry_options(ex, "valid")
    ex.add_argument("--mode", choices=["conv", "max", "avg", "min", "sum"], default="conv", help="default conv")
    ex.add_argument("-o", "--output", required=True, metavar="FILE.gif", help="the animation (GIF)")
    ex.add_argument("--still", metavar="FILE.png", help="also write one step as a PNG")
    ex.add_argument("--step", type=int, default=None, help="which step the still shows (default: the middle)")
    ex.add_argument("--fps", type=positive_fps, default=2.0, help="frames per second, 0.1 to 50 (default 2)")
    ex.add_argument("--seed", type=int, default=0, help="seed of the random input digits (default 0)")
    ex.add_argument("--force", action="store_true", help="overwrite existing files")
    ex.add_argument("-q", "--quiet", action="store_true", help="no 'wrote' lines")
    return ex
