"""Peak memory (max RSS) and time of ``convpool filter`` on a 6000x4000 photo, in a fresh process each.

    python benchmarks/cli_memory.py [--src SRC_FOLDER] [--kernels gaussian:size=5,sigma=1 sobel_x]

Generates a 6000x4000 RGB JPEG (a smooth scene with noise, as a photo), runs
``python -m convpool filter`` on it once per kernel and output type, and
prints each run's peak resident memory (``resource.getrusage`` of the child)
and wall time. ``--src`` picks the convpool source tree (e.g. another
checkout's ``src``) to compare before and after.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

MIB = 1 << 20


def photo(path: Path, h: int = 4000, w: int = 6000) -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    scene = [128 + 100 * np.sin(xx / 400 + c) * np.cos(yy / 300 - c) for c in range(3)]
    pixels = np.dstack(scene) + rng.normal(0, 12, size=(h, w, 3)).astype(np.float32)
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path, quality=92)


def peak_of(args: list[str], src: str) -> tuple[float, float, int]:
    """(max RSS MiB, seconds, exit status) of ``python -m convpool ARGS`` in a child process."""
    env = {**os.environ, "PYTHONPATH": src}
    script = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "rc = subprocess.run([sys.executable, '-m', 'convpool', *sys.argv[1:]]).returncode\n"
        "dt = time.perf_counter() - t\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, dt, rc)\n"
    )
    out = subprocess.run([sys.executable, "-c", script, *args], env=env, capture_output=True, text=True, check=True)
    kib, seconds, rc = out.stdout.split()
    return int(kib) / 1024, float(seconds), int(rc)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", default=str(Path(__file__).resolve().parents[1] / "src"))
    parser.add_argument("--kernels", nargs="*", default=["gaussian:size=5,sigma=1", "sobel_x"])
    parser.add_argument("--outputs", nargs="*", default=[".jpg", ".png"])
    args = parser.parse_args(argv)
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss >= 0
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "photo.jpg"
        photo(src)
        print(f"input {src.stat().st_size / MIB:.1f} MiB JPEG, 6000x4000 RGB; convpool from {args.src}")
        for kernel in args.kernels:
            for suffix in args.outputs:
                out = Path(tmp) / f"out{suffix}"
                rss, seconds, rc = peak_of(
                    ["filter", str(src), "-k", kernel, "-o", str(out), "--force", "-q"], args.src
                )
                print(f"  filter -k {kernel:<24} -> {suffix}: peak RSS {rss:7.0f} MiB, {seconds:6.1f} s, exit {rc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
