"""``convpool check``: check a student's seven exercise files against convpool.

Each function is imported and run in a child process (:mod:`.sandbox`) on a
battery of cases (:mod:`.cases`); the first mismatch per task is explained by
:mod:`.diagnose`, the exercise's rules are read from the source by
:mod:`.rules`, and :mod:`.report` writes the text or JSON report.
The student's code is never imported in this process.
"""

from .run import add_parser, check_path, main

__all__ = ["add_parser", "check_path", "main"]
