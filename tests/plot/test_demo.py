"""The main job, through the real console script: shapes printed, figure written, nothing overwritten."""

import subprocess
import sys

import numpy as np
import pytest

SPEC_PAIRS = [
    ((64, 28, 28), (64, 26, 26)),
    ((64, 28, 28), (64, 28, 28)),
    ((64, 28, 28), (64, 30, 34)),
    ((64, 28, 28), (64, 13, 13)),
    ((64, 32, 32, 3), (64, 30, 30)),
    ((64, 32, 32, 3), (64, 30, 30, 3)),
    ((64, 32, 32, 3), (64, 16, 16, 3)),
]


def _demo(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "convpool", "demo", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_demo_prints_seven_shape_pairs_and_writes_figure(tmp_path):
    pil = pytest.importorskip("PIL.Image")
    done = _demo("-o", "fig.png", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    shapes = [line for line in lines if line.startswith("(")]
    assert shapes == [str(s) for pair in SPEC_PAIRS for s in pair]
    for i, name in enumerate(["0-convolve_grayscale_valid", "6-pool"]):
        assert any(line.startswith(name) for line in lines), i
    with pil.open(tmp_path / "fig.png") as image:
        assert image.format == "PNG"
        width, height = image.size
        pixels = np.asarray(image.convert("L"))
    assert height > width > 200  # seven rows of panels
    assert pixels.std() > 10  # not blank


def test_demo_never_overwrites_without_force(tmp_path):
    target = tmp_path / "fig.png"
    target.write_bytes(b"precious")
    done = _demo("-o", str(target), cwd=tmp_path)
    assert done.returncode != 0
    assert "exists" in done.stderr and "Traceback" not in done.stderr
    assert target.read_bytes() == b"precious"
    assert _demo("-o", str(target), "--force", cwd=tmp_path).returncode == 0
    assert target.read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in tmp_path.iterdir()] == ["fig.png"]  # no temporary files left
