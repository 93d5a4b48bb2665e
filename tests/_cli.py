"""The command line run as a user runs it: ``python -m convpool ARGS`` in a child process."""

from __future__ import annotations

import subprocess
import sys


def run_cli(*args, check_rc: int | None = 0, env=None, cwd=None) -> subprocess.CompletedProcess:
    """Run ``convpool ARGS``; with ``check_rc``, its exit status must be that, and no traceback may show."""
    proc = subprocess.run(
        [sys.executable, "-m", "convpool", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=cwd,
    )
    if check_rc is not None:
        assert proc.returncode == check_rc, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc
