"""The spec's seven main files, unchanged, run against tasks/ and print the spec's shapes."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
MAINS = Path(__file__).resolve().parents[1] / "spec_mains"
TASK_FILES = [
    "0-convolve_grayscale_valid",
    "1-convolve_grayscale_same",
    "2-convolve_grayscale_padding",
    "3-convolve_grayscale",
    "4-convolve_channels",
    "5-convolve",
    "6-pool",
]


def _layout(root: Path, mnist_shape, animals_shape) -> Path:
    """The spec's folder layout: data two levels above the folder the mains run in."""
    data = root / "supervised_learning" / "data"
    data.mkdir(parents=True)
    rng = np.random.default_rng(0)
    np.savez(data / "MNIST.npz", X_train=rng.random(mnist_shape, dtype=np.float32))
    np.savez(data / "animals_1.npz", data=rng.integers(0, 256, animals_shape, dtype=np.uint8))
    workdir = root / "math" / "0x04-convolutions_and_pooling"
    workdir.mkdir(parents=True)
    return workdir


def _run(main: int, workdir: Path) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tasks"), MPLBACKEND="Agg")
    done = subprocess.run(
        [sys.executable, str(MAINS / f"{main}-main.py")],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def small_layout(tmp_path_factory):
    return _layout(tmp_path_factory.mktemp("small"), (7, 28, 28), (5, 32, 32, 3))


@pytest.mark.parametrize("main", range(7))
def test_main_files_on_small_data(small_layout, main):
    expected = (MAINS / f"{main}-expected.txt").read_text()
    expected = expected.replace("50000", "7").replace("10000", "5")
    assert _run(main, small_layout) == expected


@pytest.mark.slow
def test_main_files_print_the_spec_output_at_full_size(tmp_path):
    workdir = _layout(tmp_path, (50000, 28, 28), (10000, 32, 32, 3))
    for main in range(7):
        assert _run(main, workdir) == (MAINS / f"{main}-expected.txt").read_text()


@pytest.mark.parametrize("name", TASK_FILES)
def test_task_files_are_executable_documented_modules(name):
    path = ROOT / "tasks" / f"{name}.py"
    text = path.read_text()
    assert text.startswith("#!/usr/bin/env python3\n")
    assert text.endswith("\n")
    assert os.access(path, os.X_OK)
    function = name.split("-", 1)[1]
    code = f"m = __import__({name!r}); assert m.__doc__; f = m.{function}; assert f.__doc__; print(f.__module__)"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tasks"))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.startswith("convpool.")
