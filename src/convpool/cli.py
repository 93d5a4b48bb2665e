"""The ``convpool`` command line. It calls the public API only."""

from __future__ import annotations

import argparse
import sys

EXIT_OK = 0
EXIT_USAGE = 2


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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="convpool", description="2-D convolution and pooling over image batches.")
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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``convpool`` console script."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
