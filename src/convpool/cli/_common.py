"""What every sub-command shares: exit statuses, the one-line error, option parsers, progress bars.

Every user mistake ends in one line on stderr, never a traceback; the exit
status says how it went (:data:`EXIT_CODES`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable

from .._exits import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError  # noqa: F401 (UsageError: for the sub-commands)

#: Exit statuses, as ``--help`` lists them.
EXIT_CODES = {
    EXIT_OK: "success: every input processed",
    EXIT_FAILED: "a file failed (input missing, unreadable or corrupt; output existing, unwritable, disk full); "
    "filter and pool still processed the other inputs",
    EXIT_USAGE: "usage error (bad option, kernel, size or padding syntax); nothing was written",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C or SIGTERM); no partial output is left",
}


def exit_help(codes=tuple(EXIT_CODES)) -> str:
    """The exit statuses ``codes`` as ``--help`` lists them."""
    return "exit status:\n" + "\n".join(f"  {code:<4}{EXIT_CODES[code]}" for code in codes)


EXIT_HELP = exit_help()

#: The statuses of the commands that write one output (no input can fail alone; the output can).
SINGLE_EXITS = (EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED)

#: The statuses of the commands that only print.
PRINT_EXITS = (EXIT_OK, EXIT_USAGE, EXIT_INTERRUPTED)


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (with a pointer to ``--help``), not the usage block."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# --- small parsers for sizes and padding ----------------------------------------------------------


#: The largest size, stride, dilation or padding the command line takes: beyond it no image can
#: exist, and the library's index arithmetic would overflow (an ``OverflowError`` traceback).
MAX_SIZE = 2**31 - 1


def parse_pair(text: str, name: str = "size", minimum: int = 1) -> tuple[int, int]:
    """``'28x28'`` or ``'28'`` -> ``(28, 28)``; ``'3x5'`` -> ``(3, 5)`` (height x width)."""
    parts = str(text).lower().replace("*", "x").split("x")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        values = []
    if len(values) not in (1, 2) or min(values) < minimum or max(values) > MAX_SIZE:
        raise argparse.ArgumentTypeError(
            f"{name} must be N or HxW with whole numbers from {minimum} to {MAX_SIZE} (e.g. 28x28, 3, 2x1), "
            f"got {text!r}"
        )
    return (values[0], values[-1])


def positive_fps(text: str) -> float:
    """Frames per second for a GIF: GIF timing is in 1/100 s, so 0.1 to 50 are meaningful."""
    try:
        fps = float(text)
    except ValueError:
        fps = float("nan")
    if not 0.1 <= fps <= 50:
        raise argparse.ArgumentTypeError(f"--fps must be a number from 0.1 to 50, got {text!r}")
    return fps


def parse_padding(text: str):
    """A padding word, ``P``, ``PHxPW``, or ``TOP,BOTTOMxLEFT,RIGHT``, as ``convpool.convolve`` takes it.

    >>> parse_padding("same"), parse_padding("2"), parse_padding("1x2"), parse_padding("0,1x2,3")
    ('same', ((2, 2), (2, 2)), ((1, 1), (2, 2)), ((0, 1), (2, 3)))
    """
    value = parse_padding_axes(text)
    if not isinstance(value, str) and len(value) == 1:
        return value * 2
    if not isinstance(value, str) and len(value) != 2:
        raise argparse.ArgumentTypeError(f"padding must be {PADDING_ACCEPTED}, got {text!r}")
    return value


#: What ``--padding`` takes, for its messages.
PADDING_ACCEPTED = (
    f"valid, same, full, P, PHxPW or TOP,BOTTOMxLEFT,RIGHT of whole numbers up to {MAX_SIZE} (e.g. 1x2 or 0,1x1,0)"
)


def parse_padding_axes(text: str):
    """A padding word, or one ``(before, after)`` pair per axis given (1 to 3): ``filter`` and ``pool``.

    :func:`per_axis_padding` then fits it to the images' axes (one pair: every axis).

    >>> parse_padding_axes("Full"), parse_padding_axes("2"), parse_padding_axes("1x2x0,1")
    ('full', ((2, 2),), ((1, 1), (2, 2), (0, 1)))
    """
    word = str(text).strip().lower()
    if word in ("valid", "same", "full"):
        return word
    accepted = PADDING_ACCEPTED
    axes = word.split("x")
    try:
        pairs = []
        for axis in axes:
            sides = [int(v) for v in axis.split(",")]
            if len(sides) == 1:
                sides *= 2
            if len(sides) != 2 or min(sides) < 0 or max(sides) > MAX_SIZE:
                raise ValueError
            pairs.append(tuple(sides))
    except ValueError:
        raise argparse.ArgumentTypeError(f"padding must be {accepted}, got {text!r}") from None
    if len(pairs) > 3:
        raise argparse.ArgumentTypeError(f"padding must be {accepted}, got {text!r}")
    return tuple(pairs)


def parse_axes(text: str, name: str, minimum: int = 1) -> tuple[int, ...]:
    """``'2'`` -> ``(2,)``, ``'3x5'`` -> ``(3, 5)``, ``'1x3x3'`` -> ``(1, 3, 3)``: fitted later by :func:`per_axis`.

    >>> parse_axes("2", "size"), parse_axes("1x3X3", "size")
    ((2,), (1, 3, 3))
    """
    parts = str(text).lower().replace("*", "x").split("x")
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        values = ()
    if not 1 <= len(values) <= 3 or min(values) < minimum or max(values) > MAX_SIZE:
        raise argparse.ArgumentTypeError(
            f"{name} must be N, HxW or (with --3d) DxHxW, whole numbers from {minimum} to {MAX_SIZE} "
            f"(e.g. 2, 3x3, 1x3x3), got {text!r}"
        )
    return values


def axes_type(name: str, minimum: int = 1):
    """An argparse ``type=`` for ``N``, ``HxW`` or ``DxHxW`` named ``name`` in its messages."""

    def parse(text: str) -> tuple[int, ...]:
        return parse_axes(text, name, minimum)

    parse.__name__ = name  # argparse names the type in its messages
    return parse


def _axes_words(d: int) -> str:
    return "N or DxHxW (a volume, --3d)" if d == 3 else "N or HxW (DxHxW needs --3d)"


def per_axis(values: tuple[int, ...], d: int, option: str) -> tuple[int, ...]:
    """``values`` from :func:`parse_axes` for ``d`` spatial axes: one value is every axis; else exactly ``d``.

    >>> per_axis((2,), 3, "--size"), per_axis((1, 2), 2, "--stride")
    ((2, 2, 2), (1, 2))
    """
    if len(values) == 1:
        return values * d
    if len(values) != d:
        given = "x".join(map(str, values))
        raise UsageError(f"{option} {given} has {len(values)} axes, the images {d}: give {_axes_words(d)}")
    return values


def per_axis_padding(value, d: int):
    """``--padding`` from :func:`parse_padding_axes` for ``d`` spatial axes (a word as it is).

    >>> per_axis_padding(((1, 1),), 3), per_axis_padding("same", 3)
    (((1, 1), (1, 1), (1, 1)), 'same')
    """
    if isinstance(value, str):
        return value
    if len(value) == 1:
        return value * d
    if len(value) != d:
        raise UsageError(
            f"--padding gives {len(value)} axes, the images {d}: give P or one pair per axis "
            f"({'PDxPHxPW, e.g. 0x1x1' if d == 3 else 'PHxPW; PDxPHxPW needs --3d'})"
        )
    return value


def pair_type(name: str, minimum: int = 1):
    """An argparse ``type=`` for ``N`` or ``HxW`` named ``name`` in its messages."""

    def parse(text: str) -> tuple[int, int]:
        return parse_pair(text, name, minimum)

    parse.__name__ = name  # argparse names the type in its messages
    return parse


# --- progress and messages -------------------------------------------------------------------------


#: Seconds of work before a progress bar appears: quick runs print none. A bar redraws at most
#: ten times in that span (tqdm's default ``mininterval`` of 0.1 s).
PROGRESS_DELAY = 1.0


def _bar_options() -> dict:
    return {"delay": PROGRESS_DELAY, "mininterval": PROGRESS_DELAY / 10, "file": sys.stderr, "dynamic_ncols": True}


def progress(items: Iterable, args: argparse.Namespace, **options) -> Iterable:
    """``items`` with a tqdm bar that appears only after a second of work (none if quiet or no tqdm)."""
    if getattr(args, "quiet", False):
        return items
    try:
        from tqdm import tqdm
    except ImportError:  # the bar is a convenience, not a requirement
        return items
    return tqdm(items, **_bar_options(), **options)


class _NoBar:
    """What :func:`progress_bar` gives when no bar is shown."""

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(args: argparse.Namespace, total: int, **options):
    """A tqdm bar of ``total`` steps, advanced by ``update()`` (a do-nothing one if quiet or no tqdm)."""
    if getattr(args, "quiet", False):
        return _NoBar()
    try:
        from tqdm import tqdm
    except ImportError:
        return _NoBar()
    return tqdm(total=total, **_bar_options(), **options)


def printable(text: str) -> str:
    r"""``text`` with control characters escaped, so that a file name holding a newline stays on one line.

    >>> printable("a\nb.png"), printable("café.png")
    ('a\\nb.png', 'café.png')
    """
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in str(text))


def _named(args: argparse.Namespace, message: str) -> str:
    """``message`` with the temporary files that stand for ``-`` named as what they are (``args.stdio_names``)."""
    for path, name in getattr(args, "stdio_names", {}).items():
        message = message.replace(path, name)
    return printable(message)


def error(args: argparse.Namespace, message: str) -> None:
    """One line on stderr, prefixed with the sub-command."""
    print(f"convpool {args.command}: {_named(args, message)}", file=sys.stderr)


def say(args: argparse.Namespace, message: str) -> None:
    """A progress line on stdout (stderr when stdout carries the output, ``-o -``), unless ``--quiet``."""
    if not getattr(args, "quiet", False):
        print(_named(args, message), file=sys.stderr if getattr(args, "stdout_is_data", False) else sys.stdout)


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (its type name if it has none)."""
    return " ".join(str(exc).split()) or type(exc).__name__


# --- parser pieces ---------------------------------------------------------------------------------


def add_command(
    commands, name: str, summary: str, description: str, examples: str, func, exits=tuple(EXIT_CODES)
) -> argparse.ArgumentParser:
    """A sub-command parser whose epilog lists the examples and the exit statuses ``exits`` it can end with."""
    parser = commands.add_parser(
        name,
        help=summary,
        description=description,
        epilog=f"examples:\n{examples}\n\n{exit_help(exits)}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(func=func)
    return parser


def add_geometry_options(parser: argparse.ArgumentParser, padding_default: str, axes: bool = False) -> None:
    """``--padding``, with the default of the command; ``axes``: 1 to 3 axes, fitted later (filter, pool)."""
    parser.add_argument(
        "--padding",
        type=parse_padding_axes if axes else parse_padding,
        default=padding_default,
        help=f"valid, same, full, P, PHxPW or TOP,BOTTOMxLEFT,RIGHT{' (--3d: PDxPHxPW)' if axes else ''} "
        f"(default {padding_default})",
    )
