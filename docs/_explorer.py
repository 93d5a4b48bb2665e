"""Build step of the explorer page: convpool's table, embedded in one standalone HTML file.

The page (``explorer_template.html``) holds a ``/*TABLE*/`` marker where this
writes ``convpool.conventions.explorer_table()`` as JSON, so the finished page
needs no second file and no server: it works from ``file://``.
"""

from __future__ import annotations

import json
from pathlib import Path

from convpool.conventions import explorer_table

TEMPLATE = Path(__file__).with_name("explorer_template.html")
MARKER = "/*TABLE*/null"


def build(out_dir: Path) -> Path:
    """Write ``out_dir / 'explorer.html'``; returns its path."""
    page = TEMPLATE.read_text(encoding="utf-8")
    if page.count(MARKER) != 1:
        raise RuntimeError(f"{TEMPLATE} must hold the marker {MARKER!r} exactly once")
    data = json.dumps(explorer_table(), separators=(",", ":"))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "explorer.html"
    path.write_text(page.replace(MARKER, data), encoding="utf-8")
    return path
