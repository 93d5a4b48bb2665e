"""Parsing a student's source safely: CPython 3.10's parser can overflow its C stack and kill the checker.

A 100,000-fold ``not not ... x`` or a 200,000-term expression makes Python
3.11 and later raise ``RecursionError``/``MemoryError``, which the rules turn
into a finding; Python 3.10 crashes with a segmentation fault instead, taking
the whole report with it. On 3.10 a source with very long lines (no honest
task file has one) is therefore parsed once in a child interpreter first:
if that child dies, the source is reported as too deep, and the checker lives.
"""

from __future__ import annotations

import ast
import subprocess
import sys

#: Sources with a line longer than this are probed in a child first (on interpreters that can crash).
LONG_LINE = 1000

_PROBE = "import ast, sys; ast.parse(sys.stdin.read())"


def _may_crash(text: str) -> bool:
    return sys.version_info < (3, 11) and any(len(line) > LONG_LINE for line in text.splitlines())


def parse(text: str, filename: str = "<unknown>") -> ast.Module:
    """:func:`ast.parse`, raising ``RecursionError`` where this interpreter's parser would crash instead."""
    if _may_crash(text):
        probe = subprocess.run(
            [sys.executable, "-I", "-c", _PROBE], input=text, capture_output=True, text=True, timeout=60
        )
        if probe.returncode < 0:  # killed by a signal: the parser overflowed its stack
            raise RecursionError(f"parsing {filename} crashed the parser (signal {-probe.returncode})")
    return ast.parse(text, filename=filename)
