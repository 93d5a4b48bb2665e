"""Build step of the explorer page: convpool's table, the widget's script and the input values, in one HTML file.

The page (``explorer_template.html``) holds three markers: ``/*TABLE*/null``, where
this writes ``convpool.conventions.explorer_table()`` as JSON (sizes up to 32,
so the exercise's 28x28 fits); ``/*STEPS*/``, where the step-through widget's
script (``_static/convpool-steps.js``, the window arithmetic) goes; and
``/*VALUES*/null``, the 32x32 arrays of input values the page offers. The
finished page needs no second file and no server: it works from ``file://``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from convpool import data
from convpool.conventions import explorer_table

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "explorer_template.html"
STEPS = HERE / "_static" / "convpool-steps.js"
MARKERS = ("/*TABLE*/null", "/*STEPS*/", "/*VALUES*/null")
#: The largest input side the explorer covers: the exercise's 28x28 and a little more.
MAX_SIZE = 32


def values() -> dict:
    """The inputs the page offers, each 32x32 (the page shows its top-left h x w corner)."""
    digit = np.zeros((MAX_SIZE, MAX_SIZE), dtype=int)
    digit[:28, :28] = data.grayscale_batch(1)[0]
    return {
        "digits": np.random.default_rng(0).integers(0, 10, size=(MAX_SIZE, MAX_SIZE)).tolist(),
        "digit": digit.tolist(),
        "photo": data.photo("camera")[96 : 96 + MAX_SIZE, 112 : 112 + MAX_SIZE].astype(int).tolist(),
    }


def build(out_dir: Path) -> Path:
    """Write ``out_dir / 'explorer.html'``; returns its path."""
    page = TEMPLATE.read_text(encoding="utf-8")
    for marker in MARKERS:
        if page.count(marker) != 1:
            raise RuntimeError(f"{TEMPLATE} must hold the marker {marker!r} exactly once")
    table = json.dumps(explorer_table(max_size=MAX_SIZE), separators=(",", ":"))
    inputs = json.dumps(values(), separators=(",", ":"))
    page = page.replace(MARKERS[0], table).replace(MARKERS[2], inputs)
    page = page.replace(MARKERS[1], STEPS.read_text(encoding="utf-8"))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "explorer.html"
    path.write_text(page, encoding="utf-8")
    return path
