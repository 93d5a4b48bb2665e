"""The ``convpool`` command line. It calls the public API only.

Sub-commands, one module each: ``demo``, ``filter``, ``pool``, ``kernels``,
``shape``, ``explain``, ``check`` (its work lives in :mod:`convpool.checker`),
``completion``.
:mod:`._common` holds the exit statuses, option parsers and messages;
:mod:`._io` reads inputs, plans outputs and writes them for the batch
commands (:mod:`._options` their shared options; :mod:`._bigfile`,
:mod:`._stores` and :mod:`._cluster` the Zarr/Dask path). Every user
mistake ends in one line on stderr, never a traceback; the exit status says
how it went (:data:`EXIT_CODES`).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import warnings

import numpy as np

from .. import __version__
from . import check, completion, demo, explain, filter, kernels, pool, shape
from ._common import (
    EXIT_CODES,
    EXIT_FAILED,
    EXIT_HELP,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    Parser,
    UsageError,
    error,
    one_line,
    parse_padding,
    parse_pair,
)
from ._io import SAMPLE_PREFIX, plan_outputs, run_batches
from .shape import shape_report

__all__ = [
    "EXIT_CODES",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "SAMPLE_PREFIX",
    "UsageError",
    "build_parser",
    "main",
    "parse_pair",
    "parse_padding",
    "plan_outputs",
    "run_batches",
    "shape_report",
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = Parser(
        prog="convpool",
        description="2-D convolution and pooling over image batches.",
        epilog=f"`convpool COMMAND --help` shows each command with an example.\n\n{EXIT_HELP}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"convpool {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (demo, filter, pool, kernels, shape, explain, check, completion):
        command.register(commands)
    parser.set_defaults(root_parser=parser)  # `convpool completion` reads the whole parser
    return parser


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
        # NumPy's overflow warnings and Pillow's decoder warnings are not messages: every problem they
        # hint at (NaN, inf, a huge or odd file) is found and reported in one line of its own
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return args.func(args)
    except (UsageError, ImportError) as exc:
        error(args, f"error: {exc}")
        return EXIT_USAGE
    except MemoryError:
        # e.g. --padding 100000: a user's size typo, not a crash
        error(args, "error: not enough memory for this request; check the sizes given (padding, stride, kernel)")
        return EXIT_USAGE
    except BrokenPipeError:
        # the reader went away (e.g. `convpool kernels | head`): not an error; keep Python quiet at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        # an unwritable folder, a full disk: the writers name the file (convpool.io.files.atomic_write)
        error(args, f"error: {exc.strerror if exc.filename is None and exc.strerror else one_line(exc)}")
        return EXIT_FAILED
    except Exception as exc:
        if type(exc).__name__ != "DecompressionBombError":  # Pillow's refusal of a huge image: not an OSError
            raise
        error(args, f"error: {one_line(exc)}")
        return EXIT_FAILED
    except (KeyboardInterrupt, Interrupted):
        print(f"convpool {args.command}: interrupted; no partial output left", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if own_handler:
            signal.signal(signal.SIGTERM, previous)
