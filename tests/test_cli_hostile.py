"""The command line on hostile and unlucky input (issue 23): no wrong result exits 0 silently.

Each test runs the real entry point (``python -m convpool``, a subprocess) on
files it writes itself, and checks the exit status, the one line on stderr and
what is (or is not) on disk afterwards, against hand-computed expectations.
"""

import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_array_equal

Image = pytest.importorskip("PIL.Image")


def convpool(*args, cwd):
    """Run the console script in ``cwd``; no traceback may reach stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", "convpool", *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Warning" not in proc.stderr, proc.stderr  # NumPy's or Pillow's warnings are not messages
    return proc


def error_lines(proc) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.strip()]


# --- NaN and inf: never a black picture with exit 0 ----------------------------------------------


@pytest.fixture
def nan_tiff(tmp_path):
    values = np.linspace(0, 255, 400, dtype=np.float32).reshape(20, 20)
    values[5, 5] = np.nan
    Image.fromarray(values, mode="F").save(tmp_path / "nan.tif")
    return tmp_path / "nan.tif"


def test_a_nan_pixel_is_one_error_line_for_an_image_output(tmp_path, nan_tiff):
    proc = convpool("filter", nan_tiff.name, "-k", "box:size=3", "-o", "out.png", cwd=tmp_path)
    assert proc.returncode == 1
    (line,) = error_lines(proc)
    assert line.startswith("convpool filter: nan.tif: ") and "NaN" in line
    assert not (tmp_path / "out.png").exists()


def test_a_nan_pixel_in_an_array_output_is_kept_with_a_note(tmp_path, nan_tiff):
    proc = convpool("filter", nan_tiff.name, "-k", "box:size=3", "-o", "out.npy", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = np.load(tmp_path / "out.npy")
    # a 3x3 box with zero padding: exactly the 3x3 neighbourhood of (5, 5) is NaN
    expected = np.zeros(out.shape[1:3], bool)
    expected[4:7, 4:7] = True
    assert_array_equal(np.isnan(out[0, :, :, 0]), expected)
    (line,) = error_lines(proc)
    assert line == "convpool filter: note: out.npy: 9 of 400 values are NaN or infinite"


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_npy_kernel_with_nan_or_inf_is_a_usage_error(tmp_path, bad):
    kernel = np.full((3, 3), 1 / 9)
    kernel[1, 2] = bad
    np.save(tmp_path / "k.npy", kernel)
    proc = convpool("filter", "sample:camera", "-k", "k.npy", "-o", "out.png", cwd=tmp_path)
    assert proc.returncode == 2
    (line,) = error_lines(proc)
    assert line.startswith("convpool filter: error: -k k.npy: ") and "NaN or infinite" in line
    assert list(tmp_path.iterdir()) == [tmp_path / "k.npy"]


def test_a_kernel_that_overflows_is_an_error_not_a_black_picture(tmp_path):
    kernel = np.full((3, 3), 1 / 9)
    kernel[0, 0] = 1e308  # finite, but 1e308 * 255 is not
    np.save(tmp_path / "k.npy", kernel)
    proc = convpool("filter", "sample:camera", "-k", "k.npy", "-o", "out.png", cwd=tmp_path)
    assert proc.returncode == 1
    (line,) = error_lines(proc)
    assert line.startswith("convpool filter: sample:camera: ") and "infinite" in line
    assert not (tmp_path / "out.png").exists()


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_pad_value_must_be_finite(tmp_path, value):
    proc = convpool("filter", "sample:camera", "-k", "box:size=3", f"--pad-value={value}", "-o", "o.npy", cwd=tmp_path)
    assert proc.returncode == 2
    (line,) = error_lines(proc)
    assert "--pad-value" in line and "finite" in line
    assert not (tmp_path / "o.npy").exists()
