"""The command line's photo defaults (issue 24): borders kept bright, ``--pad-mode constant`` the old zeros.

SciPy's ``ndimage.correlate`` is the oracle: its ``mirror`` is NumPy's ``reflect`` (``d c b | a b c d``),
its ``constant`` with ``cval`` the zeros (or ``--pad-value``) of the library's default.
"""

import os
from pathlib import Path

import numpy as np
import pytest
from _cli import run_cli
from numpy.testing import assert_allclose

from convpool import data, kernels

ndimage = pytest.importorskip("scipy.ndimage")

ROOT = Path(__file__).resolve().parents[2]
GAUSS = "gaussian:size=7,sigma=2"


convpool = run_cli


def scipy_filter(image: np.ndarray, spec: str, mode: str, cval: float = 0.0) -> np.ndarray:
    """``image`` (h, w) correlated with the kernel ``spec`` by SciPy, borders by SciPy's ``mode``."""
    return ndimage.correlate(image.astype(np.float64), kernels.parse(spec), mode=mode, cval=cval)


def test_blur_keeps_the_border_of_a_bright_photo(tmp_path):
    camera = data.photo("camera")
    convpool("filter", "sample:camera", "-k", GAUSS, "-o", tmp_path / "blur.npy")
    result = np.load(tmp_path / "blur.npy")[0, :, :, 0]
    assert_allclose(result, scipy_filter(camera, GAUSS, "mirror"), atol=1e-9)
    # the numbers: top-row mean 194 in; 109 with zeros around it
    assert abs(result[0].mean() - camera[0].mean()) < 2
    assert abs(result[:, -1].mean() - camera[:, -1].mean()) < 2


def test_pad_mode_constant_gives_the_zeros_of_the_library(tmp_path):
    camera = data.photo("camera")
    convpool("filter", "sample:camera", "-k", GAUSS, "--pad-mode", "constant", "-o", tmp_path / "zeros.npy")
    result = np.load(tmp_path / "zeros.npy")[0, :, :, 0]
    assert_allclose(result, scipy_filter(camera, GAUSS, "constant"), atol=1e-9)
    assert result[0].mean() < 0.7 * camera[0].mean()  # darkened, as before


def test_pad_value_alone_means_constant_and_clashes_with_another_mode(tmp_path):
    camera = data.photo("camera")[:40, :50]
    np.save(tmp_path / "cam.npy", camera)
    convpool("filter", tmp_path / "cam.npy", "-k", "box:size=5", "--pad-value", "255", "-o", tmp_path / "w.npy")
    expected = scipy_filter(camera, "box:size=5", "constant", 255.0)
    assert_allclose(np.load(tmp_path / "w.npy")[0, :, :, 0], expected, atol=1e-9)
    proc = convpool(
        "filter", tmp_path / "cam.npy", "-k", "box", "--pad-value", "3", "--pad-mode", "edge", "-o", "x.npy", check_rc=2
    )
    assert "--pad-value applies only to --pad-mode constant" in proc.stderr
    assert not Path("x.npy").exists()


def test_default_border_in_bands_of_rows_and_in_help(tmp_path):
    """A big image (tiny CONVPOOL_BAND_BYTES) written as 8-bit pixels: the same reflect borders, band by band."""
    from PIL import Image

    camera = data.photo("camera")[:90, :70]
    Image.fromarray(camera).save(tmp_path / "cam.png")
    env = {**os.environ, "CONVPOOL_BAND_BYTES": "2000", "PYTHONPATH": str(ROOT / "src")}
    convpool("filter", tmp_path / "cam.png", "-k", GAUSS, "-o", tmp_path / "out.png", env=env)
    result = np.array(Image.open(tmp_path / "out.png")).astype(float)
    expected = np.clip(np.floor(scipy_filter(camera, GAUSS, "mirror") + 0.5), 0, 255)
    assert np.abs(result - expected).max() <= 1  # float32 work: a pixel may round the other way at .5
    assert np.mean(result != expected) < 0.001
    text = " ".join(convpool("filter", "--help").stdout.split())
    assert "default reflect" in text and "constant: zeros, the library's default" in text
