#!/usr/bin/env python3
"""Build src/convpool/data/samples.npz from the photos in shared/data/sample-images.

Run once by a developer (needs Pillow); the result is committed. Crops are cut
on a fixed grid, so the output is the same every run:

- ``gray``: (64, 28, 28) uint8, grayscale crops shaped like the spec's MNIST batch;
- ``rgb``: (64, 32, 32, 3) uint8, colour crops shaped like its animals batch;
- ``photo_<name>``: each photo downscaled to at most 256 pixels a side.

Usage: python tools/make_sample_data.py [SOURCE_DIR]
"""

import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "sample-images"
TARGET = ROOT / "src" / "convpool" / "data"
NAMES = ("camera", "astronaut", "chelsea", "coffee")


def crops(image: Image.Image, count: int, size: int) -> list[np.ndarray]:
    """``count`` square crops on a 4-wide grid, each a third of the short side, resized."""
    w, h = image.size
    side = min(w, h) // 3
    cols = 4
    rows = -(-count // cols)
    out = []
    for r in range(rows):
        for c in range(cols):
            if len(out) == count:
                break
            left = (w - side) * c // (cols - 1)
            top = (h - side) * r // max(rows - 1, 1)
            box = (left, top, left + side, top + side)
            out.append(np.asarray(image.crop(box).resize((size, size), Image.LANCZOS)))
    return out


def main() -> None:
    photos = {name: Image.open(SOURCE / f"{name}.png") for name in NAMES}
    gray = [c for name in NAMES for c in crops(photos[name].convert("L"), 16, 28)]
    rgb = [c for name in NAMES[1:] for c in crops(photos[name].convert("RGB"), 22, 32)][:64]
    arrays = {"gray": np.stack(gray), "rgb": np.stack(rgb)}
    for name, image in photos.items():
        image = image.copy()
        image.thumbnail((256, 256), Image.LANCZOS)
        arrays[f"photo_{name}"] = np.asarray(image)
    np.savez_compressed(TARGET / "samples.npz", **arrays)
    text = (SOURCE / "LICENSES.md").read_text()
    (TARGET / "LICENSES.md").write_text(
        text + "\nconvpool ships crops and downscales of these photos in `samples.npz`, "
        "made by `tools/make_sample_data.py`.\n"
    )
    for key, value in arrays.items():
        print(key, value.shape, value.dtype)


if __name__ == "__main__":
    main()
