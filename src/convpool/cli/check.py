"""``convpool check``: a student's seven exercise files against convpool (the work is in :mod:`convpool.checker`)."""

from __future__ import annotations

import argparse


def register(commands) -> argparse.ArgumentParser:
    """Add ``check`` to the sub-command parsers."""
    from ..checker import add_parser

    return add_parser(commands)
