"""``convpool demo``: the exercise's seven tasks on the embedded samples, shapes and a figure."""

from __future__ import annotations

import argparse
import sys

from ._common import EXIT_OK, EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    """Run the seven tasks, print each call and shape, and draw the figure unless ``--no-figure``."""
    from .. import plot
    from ..demo import run_tasks
    from ..io.files import atomic_write

    if args.output is not None:
        try:  # before the seven tasks run, not after: the figure is what needs it
            import matplotlib  # noqa: F401
        except ImportError:
            print(
                "convpool demo: error: the figure needs matplotlib: pip install 'convpool[plot]' "
                "(or 'convpool[cli]'); --no-figure prints the shapes without it",
                file=sys.stderr,
            )
            return EXIT_USAGE
    runs = run_tasks()
    for task in runs:
        print(f"{task.name}: {task.call}")
        print(task.images.shape)
        print(task.result.shape)
    if args.output is None:
        return EXIT_OK
    try:
        atomic_write(args.output, lambda tmp: plot.tasks_figure(runs, tmp), force=args.force)
    except (FileExistsError, ImportError) as exc:
        print(f"convpool demo: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {args.output}")
    return EXIT_OK


def register(commands) -> argparse.ArgumentParser:
    """Add ``demo`` to the sub-command parsers."""
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
    demo.set_defaults(func=run)
    return demo
