"""``-`` for standard input and output in ``filter`` and ``pool``: image or array bytes through a pipe.

Standard input is copied, as it streams, into a private temporary folder
under a name whose suffix its first bytes give (PNG, JPEG, TIFF, BMP, ``.npy``,
``.npz``), then read like any file. ``-o -`` is written into the same folder
and copied to standard output only once complete, so a failed or interrupted
run puts nothing in the pipe; the folder is removed on the way out. Binary
output to a terminal is refused, and so is waiting on a terminal for input.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from ._common import EXIT_FAILED, EXIT_OK, UsageError, error

#: The name that means standard input (as an INPUT) or standard output (as ``-o``).
STDIO = "-"

#: First bytes of each type convpool reads, and the suffix that makes it read so.
MAGIC = (
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"\xff\xd8\xff", ".jpg"),
    (b"II*\x00", ".tif"),
    (b"MM\x00*", ".tif"),
    (b"BM", ".bmp"),
    (b"\x93NUMPY", ".npy"),
    (b"PK\x03\x04", ".npz"),
)


def wanted(args: argparse.Namespace) -> bool:
    """Whether an input or the output is ``-``."""
    return STDIO in args.inputs or args.output == STDIO


def suffix_of(head: bytes) -> str | None:
    """The suffix of the type whose signature ``head`` starts with, or ``None``.

    >>> suffix_of(b"\\x89PNG\\r\\n\\x1a\\n..."), suffix_of(b"\\x93NUMPY\\x01"), suffix_of(b"hello")
    ('.png', '.npy', None)
    """
    return next((suffix for magic, suffix in MAGIC if head.startswith(magic)), None)


def _check(args: argparse.Namespace, stdin, stdout) -> None:
    """Every refusal, before anything is read or computed."""
    if args.inputs.count(STDIO) > 1:
        raise UsageError("- (standard input) can be an input once")
    if STDIO in args.inputs and stdin.isatty():  # waiting on a keyboard for image bytes
        raise UsageError(
            "- reads image or array bytes from standard input, which is a terminal; pipe or redirect a file"
        )
    if args.output == STDIO:
        if len(args.inputs) != 1:
            raise UsageError(f"-o - (standard output) takes one input, got {len(args.inputs)}")
        if stdout.isatty():
            raise UsageError(
                "-o - would write image bytes to a terminal; redirect standard output (> out.png) or pipe it (| ...)"
            )


def _read_stdin(folder: Path, stdin) -> Path | None:
    """Standard input copied to ``folder/stdin.SUFFIX``; ``None`` (after one line) when it is no type convpool reads."""
    head = stdin.read(8)
    suffix = suffix_of(head)
    if suffix is None:
        return None
    path = folder / f"stdin{suffix}"
    with open(path, "wb") as f:
        f.write(head)
        shutil.copyfileobj(stdin, f, 1 << 20)
    return path


def _output_suffix(args: argparse.Namespace, source: str) -> str:
    if args.format:
        return f".{args.format}"
    if source.startswith("sample:"):
        return ".png"
    return Path(source).suffix.lower() or ".npy"


def run(args: argparse.Namespace, inner: Callable[[], int], stdin=None, stdout=None) -> int:
    """Run ``inner()`` (the batch run) with ``-`` replaced by files in a temporary folder; see the module notes."""
    if STDIO in args.inputs and sys.stdin is None:
        raise UsageError("- reads standard input, but this process has none")
    stdin = stdin or (sys.stdin.buffer if STDIO in args.inputs else None)
    stdout = stdout or sys.stdout.buffer
    _check(args, stdin, sys.stdout)
    with tempfile.TemporaryDirectory(prefix="convpool-stdio-") as name:
        folder = Path(name)
        inputs = list(args.inputs)
        if STDIO in inputs:
            path = _read_stdin(folder, stdin)
            if path is None:
                kinds = ", ".join(sorted({suffix for _, suffix in MAGIC}))
                error(args, f"standard input: not an image or array convpool reads ({kinds}), or empty")
                return EXIT_FAILED
            inputs[inputs.index(STDIO)] = str(path)
            args.stdio_names = {str(path): "standard input"}
        output = None
        if args.output == STDIO:
            output = folder / f"stdout{_output_suffix(args, inputs[0])}"
            args.output, args.stdout_is_data = str(output), True
            args.stdio_names = {**getattr(args, "stdio_names", {}), str(output): "standard output"}
        args.inputs = inputs
        status = inner()
        if output is not None and status == EXIT_OK:
            with open(output, "rb") as f:
                shutil.copyfileobj(f, stdout, 1 << 20)
            stdout.flush()
        return status
