"""The ``convpool`` command line. It calls the public API only.

Sub-commands: ``demo``, ``filter``, ``pool``, ``kernels``, ``shape``, ``explain``.
Every user mistake ends in one line on stderr, never a traceback; the exit
status says how it went (:data:`EXIT_CODES`).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

#: Exit statuses, as ``--help`` lists them.
EXIT_CODES = {
    EXIT_OK: "success: every input processed",
    EXIT_FAILED: "some inputs failed (missing, unreadable, corrupt, output exists); the others were processed",
    EXIT_USAGE: "usage error (bad option, kernel, size or padding syntax); nothing was written",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C or SIGTERM); no partial output is left",
}

_EXIT_HELP = "exit status:\n" + "\n".join(f"  {code:<4}{text}" for code, text in EXIT_CODES.items())

#: Images per block when a batch is computed piecewise (for the progress bar and bounded memory).
_BLOCK_BYTES = 32 << 20


class UsageError(Exception):
    """A user mistake: printed as one line, exit status 2."""


# --- small parsers for sizes and padding ----------------------------------------------------------


def parse_pair(text: str, name: str = "size", minimum: int = 1) -> tuple[int, int]:
    """``'28x28'`` or ``'28'`` -> ``(28, 28)``; ``'3x5'`` -> ``(3, 5)`` (height x width)."""
    parts = str(text).lower().replace("*", "x").split("x")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        values = []
    if len(values) not in (1, 2) or min(values) < minimum:
        raise argparse.ArgumentTypeError(
            f"{name} must be N or HxW with whole numbers >= {minimum} (e.g. 28x28, 3, 2x1), got {text!r}"
        )
    return (values[0], values[-1])


def _positive_fps(text: str) -> float:
    """Frames per second for a GIF: GIF timing is in 1/100 s, so 0.1 to 50 are meaningful."""
    try:
        fps = float(text)
    except ValueError:
        fps = float("nan")
    if not 0.1 <= fps <= 50:
        raise argparse.ArgumentTypeError(f"--fps must be a number from 0.1 to 50, got {text!r}")
    return fps


def parse_padding(text: str):
    """A padding word, ``P``, ``PHxPW``, or ``TOP,BOTTOMxLEFT,RIGHT``, as :func:`convpool.convolve` takes it.

    >>> parse_padding("same"), parse_padding("2"), parse_padding("1x2"), parse_padding("0,1x2,3")
    ('same', ((2, 2), (2, 2)), ((1, 1), (2, 2)), ((0, 1), (2, 3)))
    """
    word = str(text).strip().lower()
    if word in ("valid", "same", "full"):
        return word
    accepted = "valid, same, full, P, PHxPW or TOP,BOTTOMxLEFT,RIGHT (e.g. 1x2 or 0,1x1,0)"
    axes = word.split("x")
    if len(axes) == 1:
        axes = axes * 2
    try:
        pairs = []
        for axis in axes:
            sides = [int(v) for v in axis.split(",")]
            if len(sides) == 1:
                sides *= 2
            if len(sides) != 2 or min(sides) < 0:
                raise ValueError
            pairs.append(tuple(sides))
    except ValueError:
        raise argparse.ArgumentTypeError(f"padding must be {accepted}, got {text!r}") from None
    if len(pairs) != 2:
        raise argparse.ArgumentTypeError(f"padding must be {accepted}, got {text!r}")
    return tuple(pairs)


def _pair_type(name: str, minimum: int = 1):
    def parse(text: str) -> tuple[int, int]:
        return parse_pair(text, name, minimum)

    parse.__name__ = name  # argparse names the type in its messages
    return parse


# --- progress and messages -------------------------------------------------------------------------


def _progress(items: Iterable, args: argparse.Namespace, **options) -> Iterable:
    """``items`` with a tqdm bar that appears only after a second of work (none if quiet or no tqdm)."""
    if getattr(args, "quiet", False):
        return items
    try:
        from tqdm import tqdm
    except ImportError:  # the bar is a convenience, not a requirement
        return items
    return tqdm(items, delay=1.0, file=sys.stderr, dynamic_ncols=True, **options)


def _error(args: argparse.Namespace, message: str) -> None:
    print(f"convpool {args.command}: {message}", file=sys.stderr)


def _say(args: argparse.Namespace, message: str) -> None:
    if not getattr(args, "quiet", False):
        print(message)


# --- planning outputs: where each input goes -------------------------------------------------------


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


#: Inputs named ``sample:NAME`` are the embedded photos (:func:`convpool.data.photo`), so examples run anywhere.
SAMPLE_PREFIX = "sample:"


def _is_sample(name: str) -> bool:
    return str(name).startswith(SAMPLE_PREFIX)


def _read_input(src: Path) -> dict[str, np.ndarray]:
    """An input file, or an embedded photo for ``sample:NAME``, as named batches ``(m, h, w, c)``."""
    from . import data, imageio

    if _is_sample(str(src)):
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
    from . import imageio

    out = Path(output)
    folder_mode = len(inputs) > 1 or out.is_dir() or output.endswith(("/", os.sep))
    if fmt is not None:
        fmt = fmt if fmt.startswith(".") else f".{fmt}"
    plan = []
    for name in inputs:
        src = Path(name)
        stem, suffix = (name[len(SAMPLE_PREFIX) :], ".png") if _is_sample(name) else (src.stem, src.suffix.lower())
        if folder_mode:
            dst = out / (stem + (fmt or suffix))
        else:
            dst = out
        try:
            imageio.kind(dst)
        except ValueError as exc:
            hint = "--format picks the type in a folder" if folder_mode else "end OUTPUT with / to make it a folder"
            raise UsageError(f"{exc} ({hint})") from None
        plan.append((src, dst))
    if folder_mode and out.exists() and not out.is_dir():
        raise UsageError(f"OUTPUT {out} must be a folder when there are several inputs")
    targets = [dst.resolve() for _, dst in plan]
    if len(set(targets)) != len(targets):
        raise UsageError("two inputs would write the same output file; use separate runs or rename the inputs")
    for src, _ in plan:
        for dst in targets:
            if src.resolve() == dst or _same_file(src, dst):
                raise UsageError(f"output {dst} is the input {src}; refusing to overwrite an input")
    return plan


# --- the batch driver shared by `filter` and `pool` ------------------------------------------------


def _blocks(batch: np.ndarray) -> list[slice]:
    per_image = max(batch[0].nbytes * 8, 1) if len(batch) else 1  # float64 results, a few copies
    step = max(_BLOCK_BYTES // per_image, 1)
    return [slice(i, i + step) for i in range(0, len(batch), step)] or [slice(0, 0)]


def _compute(batch: np.ndarray, fn: Callable[[np.ndarray], np.ndarray], args, label: str) -> np.ndarray:
    blocks = _blocks(batch)
    if len(blocks) == 1:
        return fn(batch)
    parts = [fn(batch[s]) for s in _progress(blocks, args, desc=label, unit="block", leave=False)]
    return np.concatenate(parts)


def _write(dst: Path, results: dict[str, np.ndarray], args) -> None:
    from . import imageio

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


def run_batches(args: argparse.Namespace, fn: Callable[[np.ndarray], np.ndarray]) -> int:
    """Read every input, apply ``fn`` to each batch ``(m, h, w, c)``, write the outputs.

    A failing input is reported in one line naming it; the others go on; the
    exit status is 1 if any failed.
    """
    from . import _bigfile

    if _bigfile.wanted(args):  # Zarr stores, or a Dask cluster: chunk by chunk, never all in memory
        return _bigfile.run(args, fn)
    plan = plan_outputs(args.inputs, args.output, args.format)
    for folder in {dst.parent for _, dst in plan}:
        folder.mkdir(parents=True, exist_ok=True)
    failed = 0
    for src, dst in _progress(plan, args, desc=args.command, unit="file"):
        if dst.exists() and not args.force:
            _error(args, f"{dst} exists; pass --force to overwrite it (input {src} skipped)")
            failed += 1
            continue
        try:
            batches = _read_input(src)
        except FileNotFoundError:
            _error(args, f"{src}: no such file")
            failed += 1
            continue
        except (OSError, ValueError, EOFError) as exc:
            _error(args, f"{src}: cannot read it: {_one_line(exc)}")
            failed += 1
            continue
        try:
            results = {key: _compute(batch, fn, args, src.name) for key, batch in batches.items()}
            _write(dst, results, args)
        except (ValueError, TypeError, OSError) as exc:
            _error(args, f"{src}: {_one_line(exc)}")
            failed += 1
            continue
        except MemoryError:  # e.g. a huge --padding: this input fails, the others still run
            _error(args, f"{src}: not enough memory for this request; check --padding, --stride and the kernel size")
            failed += 1
            continue
        _say(args, f"wrote {dst}")
    return EXIT_FAILED if failed else EXIT_OK


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# --- filter ----------------------------------------------------------------------------------------


def _kernel_for(kernel: np.ndarray, sum_channels: bool) -> str:
    """How a kernel applies: 'each' channel, 'sum' over channels, or a 'bank' of kernels."""
    if kernel.ndim == 2:
        return "sum" if sum_channels else "each"
    return "sum" if kernel.ndim == 3 else "bank"


def _filter(args: argparse.Namespace) -> int:
    import convpool

    from . import kernels

    try:
        kernel = kernels.parse(args.kernel)
    except ValueError as exc:
        raise UsageError(f"-k {args.kernel}: {_one_line(exc)}") from None
    options = {"dilation": args.dilation, "pad_mode": args.pad_mode, "pad_value": args.pad_value}
    if args.pad_value != 0 and args.pad_mode != "constant":
        raise UsageError("--pad-value applies only to --pad-mode constant")
    args.rescale_mode = _auto_rescale(args.rescale, kernel)

    def run(batch: np.ndarray) -> np.ndarray:
        how = _kernel_for(kernel, args.sum_channels)
        if how == "each":
            return kernels.apply(batch, kernel, args.padding, args.stride, **options)
        if how == "sum":
            k3 = np.repeat(kernel[:, :, None], batch.shape[3], axis=2) if kernel.ndim == 2 else kernel
            return convpool.convolve_channels(batch, k3, args.padding, args.stride, **options)[..., None]
        return convpool.convolve(batch, kernel, args.padding, args.stride, **options)

    return run_batches(args, run)


def _auto_rescale(choice: str, kernel: np.ndarray) -> str:
    """``auto``: ``clip`` for a kernel whose taps sum to 1 (keeps brightness), else ``abs``."""
    if choice != "auto":
        return choice
    return "clip" if np.isclose(kernel.sum(axis=(0, 1)), 1.0).all() else "abs"


# --- pool ------------------------------------------------------------------------------------------


def _pool(args: argparse.Namespace) -> int:
    import convpool

    stride = args.stride or args.size
    args.rescale_mode = "clip" if args.rescale == "auto" else args.rescale

    def run(batch: np.ndarray) -> np.ndarray:
        return convpool.pool(
            batch, args.size, stride, args.mode, padding=args.padding, count_include_pad=args.count_include_pad
        )

    return run_batches(args, run)


# --- kernels ---------------------------------------------------------------------------------------


def _format_kernel(kernel: np.ndarray) -> str:
    return np.array2string(kernel, precision=4, suppress_small=True, max_line_width=100)


def _kernels(args: argparse.Namespace) -> int:
    from . import kernels

    if args.name:
        try:
            kernel = kernels.parse(args.name)
        except ValueError as exc:
            raise UsageError(_one_line(exc)) from None
        name = args.name.split(":")[0]
        try:
            key = kernels.describe(name).split("(")[0]
            print(f"{args.name}: {_first_line(kernels.BANK[key].__doc__)}")
        except ValueError:  # an inline matrix or a .npy file: no name to describe
            print(args.name)
        print(f"shape {kernel.shape}, sum {kernel.sum():.4g}")
        print(_format_kernel(kernel))
    elif not args.gallery:
        for name in kernels.names():
            kernel = kernels.get(name)
            print(f"{kernels.describe(name)}: {_first_line(kernels.BANK[name].__doc__)}")
            if kernel.ndim == 2:
                print("  " + _format_kernel(kernel).replace("\n", "\n  "))
            else:
                print(f"  shape {kernel.shape}: see `convpool kernels {name}`")
    if args.gallery:
        return _gallery(args)
    return EXIT_OK


def _first_line(doc: str | None) -> str:
    return doc.strip().splitlines()[0].replace("``", "") if doc else ""


def _gallery(args: argparse.Namespace) -> int:
    import convpool

    from . import data, kernels, plot
    from ._files import atomic_write

    image = data.photo(args.photo)
    batch = image[None, ..., None] if image.ndim == 2 else image[None]
    results, bank = {}, {}
    for name in _progress(kernels.names(), args, desc="gallery", unit="kernel"):
        kernel = kernels.get(name)
        if kernel.ndim == 2:
            out = kernels.apply(batch, kernel)[0]
        elif kernel.ndim == 3 and kernel.shape[2] == batch.shape[3]:
            out = convpool.convolve_channels(batch, kernel)[0]
        elif kernel.ndim == 4 and kernel.shape[2] == batch.shape[3]:
            out = convpool.convolve(batch, kernel)[0]
        else:
            continue  # a channel kernel on a grayscale photo
        pixels = _gallery_pixels(out, kernel)
        results[name] = pixels[..., 0] if pixels.ndim == 3 and pixels.shape[2] == 1 else pixels
        bank[name] = kernel
    try:
        atomic_write(args.gallery, lambda tmp: plot.kernel_gallery(image, results, bank, tmp), force=args.force)
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None
    _say(args, f"wrote {args.gallery}")
    return EXIT_OK


def _gallery_pixels(out: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Display pixels: brightness-keeping kernels clipped; the others as ``|x|`` up to its 99th percentile.

    A few strong edges would make plain ``abs`` scaling (by the maximum) almost black.
    """
    from . import imageio

    if _auto_rescale("auto", kernel) == "clip":
        return imageio.to_pixels(out, "clip")
    magnitude = np.abs(out)
    top = float(np.percentile(magnitude, 99)) or 1.0
    return imageio.to_pixels(magnitude * (255.0 / top), "clip")


# --- shape -----------------------------------------------------------------------------------------


def shape_report(size, kernel, stride, padding, dilation) -> str:
    """The output size, per-side padding and the arithmetic, with the numbers filled in.

    Every number comes from :func:`convpool.conv_geometry`; each line of
    arithmetic is written as ``expression = value`` so it can be checked.
    """
    from . import conv_geometry

    geometry = conv_geometry(size, kernel, stride, padding, dilation)
    pad_text = padding if isinstance(padding, str) else f"{padding}"
    gh, gw = geometry
    lines = [
        f"input {gh.size}x{gw.size}, kernel {gh.kernel}x{gw.kernel}, stride {gh.stride}x{gw.stride}, "
        f"dilation {gh.dilation}x{gw.dilation}, padding {pad_text}",
        f"output {gh.out}x{gw.out}",
        f"padding top {gh.before}, bottom {gh.after}, left {gw.before}, right {gw.after}",
        "",
        "out = (in + before + after - (k - 1) * d - 1) // s + 1",
    ]
    for axis, g in (("height", gh), ("width", gw)):
        lines.append("")
        lines.append(f"{axis}: in={g.size} k={g.kernel} s={g.stride} d={g.dilation}")
        lines.extend("  " + line for line in _padding_steps(padding, g, 0 if axis == "height" else 1))
        lines.append(f"  window spans (k - 1) * d + 1 = ({g.kernel} - 1) * {g.dilation} + 1 = {g.extent} cells")
        numerator = g.size + g.before + g.after - (g.kernel - 1) * g.dilation - 1
        lines.append(
            f"  out = ({g.size} + {g.before} + {g.after} - ({g.kernel} - 1) * {g.dilation} - 1) // {g.stride} + 1"
            f" = {numerator} // {g.stride} + 1 = {g.out}"
        )
    return "\n".join(lines)


def _padding_steps(padding, g, axis: int) -> list[str]:
    if padding == "valid":
        return ["padding 'valid': before = 0, after = 0"]
    if padding == "full":
        return [f"padding 'full': (k - 1) * d = ({g.kernel} - 1) * {g.dilation} = {g.before} on each side"]
    if padding == "same":
        target = g.out  # 'same' means exactly this many outputs
        total = g.before + g.after
        return [
            f"padding 'same': out = ceil(in / s) = ceil({g.size} / {g.stride}) = {target}",
            f"total P = max((out - 1) * s + (k - 1) * d + 1 - in, 0)"
            f" = max(({target} - 1) * {g.stride} + ({g.kernel} - 1) * {g.dilation} + 1 - {g.size}, 0) = {total}",
            f"before = P // 2 = {total} // 2 = {g.before}, after = P - before = {total} - {g.before} = {g.after}",
        ]
    return [f"padding given: before = {g.before}, after = {g.after}"]


def _shape(args: argparse.Namespace) -> int:
    try:
        print(shape_report(args.input, args.kernel, args.stride, args.padding, args.dilation))
    except ValueError as exc:
        raise UsageError(_one_line(exc)) from None
    return EXIT_OK


# --- explain ---------------------------------------------------------------------------------------

_EXPLAIN_MAX_CELLS = 400


def _check_explain_outputs(args: argparse.Namespace) -> None:
    """Refuse, before drawing anything, outputs that could not all be written as asked."""
    if Path(args.output).suffix.lower() != ".gif":
        raise UsageError(f"-o/--output is the animation and must end in .gif, got {args.output!r}")
    if args.still and Path(args.still).resolve() == Path(args.output).resolve():
        raise UsageError(f"--still and -o/--output name the same file {args.output!r}: give the still its own .png")
    if args.still and Path(args.still).suffix.lower() != ".png":
        raise UsageError(f"--still must end in .png, got {args.still!r}")


def _explain(args: argparse.Namespace) -> int:
    import convpool

    from . import plot
    from ._files import atomic_write

    if args.mode != "conv" and args.dilation != (1, 1):
        raise UsageError("pooling has no dilation; use --mode conv with --dilation")
    try:
        geometry = convpool.conv_geometry(args.input, args.kernel, args.stride, args.padding, args.dilation)
    except ValueError as exc:
        raise UsageError(_one_line(exc)) from None
    gh, gw = geometry
    if gh.out * gw.out > _EXPLAIN_MAX_CELLS or max(gh.padded, gw.padded) > 40:
        raise UsageError(
            f"explain draws every cell: output {gh.out}x{gw.out} on a {gh.padded}x{gw.padded} grid is too big "
            f"(at most {_EXPLAIN_MAX_CELLS} output cells, 40 cells a side); try --input 5x5 --kernel 3x3"
        )
    rng = np.random.default_rng(args.seed)
    values = rng.integers(0, 10, size=args.input)
    if args.mode == "conv":
        kernel = rng.integers(-1, 3, size=args.kernel)
        result = convpool.convolve(
            values[None, :, :, None], kernel[:, :, None, None], args.padding, args.stride, dilation=args.dilation
        )[0, :, :, 0]
    else:
        kernel = None
        try:
            result = convpool.pool(values[None, :, :, None], args.kernel, args.stride, args.mode, padding=args.padding)
        except ValueError as exc:
            raise UsageError(_one_line(exc)) from None
        result = result[0, :, :, 0]
    scene = plot.ExplainScene(values, kernel, geometry, result, args.mode)
    steps = scene.steps
    step = steps // 2 if args.step is None else args.step
    if not 0 <= step < steps:
        raise UsageError(f"--step must be from 0 to {steps - 1} (one per output cell), got {step}")
    _check_explain_outputs(args)
    try:
        frames = [0]
        atomic_write(
            args.output,
            lambda tmp: frames.__setitem__(0, plot.explain_gif(scene, tmp, fps=args.fps)),
            force=args.force,
        )
        _say(args, f"wrote {args.output}: {frames[0]} frames, one per output cell ({gh.out}x{gw.out})")
        if args.still:
            atomic_write(args.still, lambda tmp: plot.explain_still(scene, tmp, step), force=args.force)
            _say(args, f"wrote {args.still}: step {step}, {scene.formula(step)}")
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None
    finally:
        scene.close()
    return EXIT_OK


# --- demo ------------------------------------------------------------------------------------------


def _demo(args: argparse.Namespace) -> int:
    from . import plot
    from ._files import atomic_write
    from .demo import run_tasks

    runs = run_tasks()
    for run in runs:
        print(f"{run.name}: {run.call}")
        print(run.images.shape)
        print(run.result.shape)
    if args.output is None:
        return EXIT_OK
    try:
        atomic_write(args.output, lambda tmp: plot.tasks_figure(runs, tmp), force=args.force)
    except (FileExistsError, ImportError) as exc:
        print(f"convpool demo: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {args.output}")
    return EXIT_OK


# --- the parser ------------------------------------------------------------------------------------


def _command(commands, name: str, summary: str, description: str, examples: str, func) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        name,
        help=summary,
        description=description,
        epilog=f"examples:\n{examples}\n\n{_EXIT_HELP}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(func=func)
    return parser


def _add_output_options(parser: argparse.ArgumentParser) -> None:
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
    parser.add_argument(
        "--workers", type=int, metavar="N", help="run on Dask with a local cluster of N worker processes (Zarr output)"
    )
    parser.add_argument("--scheduler", metavar="ADDRESS", help="run on the Dask cluster at ADDRESS (Zarr output)")


def _add_geometry_options(parser: argparse.ArgumentParser, padding_default: str) -> None:
    parser.add_argument(
        "--padding",
        type=parse_padding,
        default=padding_default,
        help=f"valid, same, full, P, PHxPW or TOP,BOTTOMxLEFT,RIGHT (default {padding_default})",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="convpool",
        description="2-D convolution and pooling over image batches.",
        epilog=f"`convpool COMMAND --help` shows each command with an example.\n\n{_EXIT_HELP}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="run the exercise's seven tasks on the embedded sample images",
        description="Run the seven tasks on the embedded sample data, print each input and output "
        "shape, and write a figure of an input and its results per task.",
        epilog="example: convpool demo -o demo.png",
    )
    demo.add_argument("-o", "--output", default="convpool-demo.png", help="figure to write (PNG; default %(default)s)")
    demo.add_argument("--no-figure", dest="output", action="store_const", const=None, help="print shapes only")
    demo.add_argument("--force", action="store_true", help="overwrite OUTPUT if it exists")
    demo.set_defaults(func=_demo)

    flt = _command(
        commands,
        "filter",
        "filter images or .npy batches with a kernel",
        "Filter image files or NumPy batches with a kernel (cross-correlation). A 2-D kernel filters every "
        "channel of a colour image on its own, as an image filter does; --sum-channels adds the channels up "
        "(the exercise's convolve_channels). A (kh, kw, c) .npy kernel sums over channels; a (kh, kw, c, nc) "
        "one gives nc output channels (convolve). Outputs are written atomically; inputs are never overwritten.",
        "  convpool filter sample:chelsea -k sobel_x --rescale minmax -o chelsea-edges.png\n"
        "  convpool filter sample:chelsea sample:camera -k gaussian:size=7,sigma=2 -o blurred/\n"
        "  convpool filter sample:coffee -k '1,0,-1;1,0,-1;1,0,-1' --padding valid --stride 2 -o coffee.npy\n"
        "  convpool filter coffee.npy -k box:size=5 --pad-mode reflect -o coffee-blur.npy\n"
        "(sample:NAME is an embedded photo: camera, astronaut, chelsea, coffee)",
        _filter,
    )
    flt.add_argument(
        "-k",
        "--kernel",
        required=True,
        metavar="KERNEL",
        help="a bank name with optional parameters (gaussian:size=7,sigma=2; list: convpool kernels), "
        "an inline matrix ('1,0,-1;1,0,-1;1,0,-1') or a .npy file",
    )
    _add_geometry_options(flt, "same")
    flt.add_argument("--stride", type=_pair_type("stride"), default=(1, 1), help="N or SHxSW (default 1)")
    flt.add_argument("--dilation", type=_pair_type("dilation"), default=(1, 1), help="N or DHxDW (default 1)")
    flt.add_argument(
        "--pad-mode",
        choices=["constant", "edge", "reflect", "symmetric", "wrap"],
        default="constant",
        help="how padding is filled, as numpy.pad (default constant: zeros)",
    )
    flt.add_argument("--pad-value", type=float, default=0.0, help="fill of --pad-mode constant (default 0)")
    flt.add_argument("--sum-channels", action="store_true", help="sum a 2-D kernel's result over the channels")
    _add_output_options(flt)

    pl = _command(
        commands,
        "pool",
        "max/average pooling of images or .npy batches",
        "Pool image files or NumPy batches, each channel on its own. Padded cells never win a max or min and "
        "are not counted in an average (unless --count-include-pad).",
        "  convpool pool sample:astronaut --size 2 --stride 2 --mode max -o astronaut-small.png\n"
        "  convpool pool sample:camera --size 3 --stride 2 --mode avg --padding same -o camera-pooled.npy\n"
        "(sample:NAME is an embedded photo: camera, astronaut, chelsea, coffee)",
        _pool,
    )
    pl.add_argument("--size", type=_pair_type("size"), required=True, help="window N or HxW")
    pl.add_argument("--stride", type=_pair_type("stride"), default=None, help="N or SHxSW (default: the size)")
    pl.add_argument("--mode", choices=["max", "avg", "min", "sum"], default="max", help="default max")
    _add_geometry_options(pl, "valid")
    pl.add_argument("--count-include-pad", action="store_true", help="average over the whole window, padding too")
    _add_output_options(pl)

    kn = _command(
        commands,
        "kernels",
        "list the kernel bank, show one kernel, or draw a gallery",
        "Without NAME, list every kernel of the bank with its matrix. With NAME (parameters allowed), show "
        "that kernel. --gallery draws every kernel next to what it does to a sample photo.",
        "  convpool kernels\n  convpool kernels gaussian:size=7,sigma=2\n  convpool kernels --gallery kernels.png",
        _kernels,
    )
    kn.add_argument("name", nargs="?", metavar="NAME", help="a bank name, e.g. sobel_x or gaussian:size=7,sigma=2")
    kn.add_argument("--gallery", metavar="FILE.png", help="write a PNG of every kernel applied to a sample photo")
    kn.add_argument(
        "--photo", default="chelsea", choices=["camera", "astronaut", "chelsea", "coffee"], help="default chelsea"
    )
    kn.add_argument("--force", action="store_true", help="overwrite the gallery file")
    kn.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no 'wrote' line")

    sh = _command(
        commands,
        "shape",
        "output size and padding of a convolution or pooling, with the arithmetic",
        "Print the output size, the padding on each side, and the arithmetic with the numbers filled in. "
        "For pooling, use the window as --kernel and leave --dilation at 1.",
        "  convpool shape --input 28x28 --kernel 3x3 --stride 2 --padding same\n"
        "  convpool shape --input 32x32 --kernel 5x5 --dilation 2 --padding valid",
        _shape,
    )
    sh.add_argument("--input", type=_pair_type("input"), required=True, help="N or HxW, e.g. 28x28")
    sh.add_argument("--kernel", type=_pair_type("kernel"), required=True, help="N or KHxKW, e.g. 3x3")
    sh.add_argument("--stride", type=_pair_type("stride"), default=(1, 1), help="N or SHxSW (default 1)")
    sh.add_argument("--dilation", type=_pair_type("dilation"), default=(1, 1), help="N or DHxDW (default 1)")
    _add_geometry_options(sh, "valid")

    ex = _command(
        commands,
        "explain",
        "animate the window moving over the padded input (GIF), plus a still of one step",
        "Write an animated GIF of the window moving over the padded input grid (padding grey and dashed), "
        "the output grid filling in cell by cell: one frame per output cell. The input is random digits "
        "(--seed); for --mode conv the kernel weights are random small integers, shown in each window "
        "cell. --still writes one step as a PNG with the arithmetic.",
        "  convpool explain --input 5x5 --kernel 3x3 --padding same --stride 2 -o conv.gif --still step.png\n"
        "  convpool explain --input 6x6 --kernel 2x2 --stride 2 --mode max -o maxpool.gif",
        _explain,
    )
    ex.add_argument("--input", type=_pair_type("input"), default=(5, 5), help="N or HxW (default 5x5)")
    ex.add_argument("--kernel", type=_pair_type("kernel"), default=(3, 3), help="N or KHxKW (default 3x3)")
    ex.add_argument("--stride", type=_pair_type("stride"), default=(1, 1), help="N or SHxSW (default 1)")
    ex.add_argument("--dilation", type=_pair_type("dilation"), default=(1, 1), help="N or DHxDW (default 1)")
    _add_geometry_options(ex, "valid")
    ex.add_argument("--mode", choices=["conv", "max", "avg", "min", "sum"], default="conv", help="default conv")
    ex.add_argument("-o", "--output", required=True, metavar="FILE.gif", help="the animation (GIF)")
    ex.add_argument("--still", metavar="FILE.png", help="also write one step as a PNG")
    ex.add_argument("--step", type=int, default=None, help="which step the still shows (default: the middle)")
    ex.add_argument("--fps", type=_positive_fps, default=2.0, help="frames per second, 0.1 to 50 (default 2)")
    ex.add_argument("--seed", type=int, default=0, help="seed of the random input digits (default 0)")
    ex.add_argument("--force", action="store_true", help="overwrite existing files")
    ex.add_argument("-q", "--quiet", action="store_true", help="no 'wrote' lines")
    return parser


# --- entry point -----------------------------------------------------------------------------------


class Interrupted(BaseException):
    """Raised by the SIGTERM handler so that cleanup (``finally``) runs as for Ctrl-C."""


def _on_sigterm(signum, frame) -> None:  # pragma: no cover - exercised through a subprocess
    raise Interrupted


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``convpool`` console script; returns the exit status (see :data:`EXIT_CODES`)."""
    args = build_parser().parse_args(argv)
    # only the main thread may set handlers (main() can be called from a test thread)
    own_handler = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if own_handler else None
    try:
        return args.func(args)
    except UsageError as exc:
        _error(args, f"error: {exc}")
        return EXIT_USAGE
    except ImportError as exc:
        _error(args, f"error: {exc}")
        return EXIT_USAGE
    except MemoryError:
        # e.g. --padding 100000: a user's size typo, not a crash
        _error(args, "error: not enough memory for this request; check the sizes given (padding, stride, kernel)")
        return EXIT_USAGE
    except BrokenPipeError:
        # the reader went away (e.g. `convpool kernels | head`): not an error; keep Python quiet at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except (KeyboardInterrupt, Interrupted):
        print(f"convpool {args.command}: interrupted; no partial output left", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if own_handler:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
