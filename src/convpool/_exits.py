"""Exit statuses and the usage error, shared by every command (``convpool filter`` ... ``convpool check``).

One home, so that the command line and the checker cannot drift apart.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A user mistake (bad option, path, kernel, size or padding syntax): one line on stderr, exit status 2."""
