"""Helpers of the hostile-input tests (tests/test_cli_hostile*.py): the entry point as a subprocess, its lines."""

import subprocess
import sys

import numpy as np

#: Above Linux's largest PID: no process runs with it (a "killed run" for the stale-temp rules).
DEAD_PID = 2**22 + 1


def convpool(*args, cwd, env=None):
    """Run ``python -m convpool`` in ``cwd``; no traceback and no Python warning may reach stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", "convpool", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Warning" not in proc.stderr, proc.stderr  # NumPy's or Pillow's warnings are not messages
    return proc


def error_lines(proc) -> list[str]:
    """The non-empty lines on stderr."""
    return [line for line in proc.stderr.splitlines() if line.strip()]


def png(path, image) -> None:
    """Write ``image`` as an 8-bit PNG."""
    from PIL import Image

    Image.fromarray(np.asarray(image, np.uint8)).save(path)
