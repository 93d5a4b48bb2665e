"""``convpool check``: check a student's seven exercise files against convpool.

Each function runs in a contained child process (:mod:`.sandbox`, in Linux
namespaces and cgroups where the machine allows) that receives a battery of
cases (:mod:`.cases`) over a pipe after the import and sends back what the
function returned; this process checks, compares and times every answer.
The first mismatch per task is shrunk (:mod:`.shrink`) and explained by
:mod:`.diagnose`, the spec's open points are accepted either way by
:mod:`.openpoints`, the exercise's rules are read from the source by
:mod:`.rules`, and :mod:`.report` / :mod:`.htmlreport` write the text, JSON
or HTML report. The student's code is never imported in this process.
"""

from .run import add_parser, check_path, main

__all__ = ["add_parser", "check_path", "main"]
