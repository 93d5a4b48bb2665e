"""``convpool filter`` and ``convpool pool`` on volumes (``--3d``, issue 26): z-stacks in TIFF, .npy and Zarr.

Inputs are written by tifffile, NumPy and zarr; outputs read back by the
same independent readers and compared with ``scipy.ndimage`` (the CLI's
default border ``reflect`` is SciPy's ``'mirror'``) or a NumPy reshape-max.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from convpool.cli import main

ndimage = pytest.importorskip("scipy.ndimage")
tifffile = pytest.importorskip("tifffile")

GAUSS3 = "gaussian:size=5,sigma=1,ndim=3"


def cli(capsys, *argv):
    """``convpool ARGV`` in this process: (exit status, stderr lines)."""
    try:
        rc = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse's own errors
        rc = exc.code
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return rc, err.strip().splitlines()


def stack(shape, dtype=np.float32, seed=0):
    """A noisy z-stack (d, h, w) with structure along every axis, so that depth matters."""
    rng = np.random.default_rng(seed)
    d, h, w = shape
    ramp = np.add.outer(np.add.outer(np.arange(d) * 40.0, np.arange(h) * 3.0), np.arange(w) * 2.0)
    return (ramp + rng.uniform(0, 60, size=shape)).astype(dtype)


def write_tiff(path, pages):
    """A multi-page grayscale TIFF by tifffile, one page per slice (never read as planar RGB)."""
    tifffile.imwrite(path, pages, photometric="minisblack")


def gaussian3(volume, axes=None):
    """SciPy's Gaussian (sigma 1, 5 taps: truncate 2) with the CLI's default reflect border, over ``axes``
    (all by default); a sigma of 0 leaves an axis alone (SciPy 1.9 has no ``axes=``)."""
    axes = range(volume.ndim) if axes is None else axes
    sigma = [1.0 if axis in axes else 0.0 for axis in range(volume.ndim)]
    return ndimage.gaussian_filter(volume.astype(np.float64), sigma=sigma, mode="mirror", truncate=2.0)


def test_tiff_stack_filtered_as_one_volume(tmp_path, capsys):
    volume = stack((7, 12, 10))
    src, dst = tmp_path / "stack.tif", tmp_path / "smooth.tif"
    write_tiff(src, volume)  # one page per slice
    with tifffile.TiffFile(src) as tif:
        assert len(tif.pages) == 7
    rc, _ = cli(capsys, "filter", src, "-k", GAUSS3, "--3d", "-q", "-o", dst)
    assert rc == 0
    with tifffile.TiffFile(dst) as tif:
        assert len(tif.pages) == 7
        got = tif.asarray()
    assert got.dtype == np.float32  # a float32 stack keeps the computed values, as a 2-D float TIFF does
    assert_allclose(got, gaussian3(volume), rtol=1e-5, atol=1e-3)
    # the same volume filtered page by page in 2-D (without --3d) differs: depth was filtered
    assert np.abs(got - gaussian3(volume, axes=(1, 2))).max() > 1


def test_kernel_with_ndim_3_implies_3d_and_uint8_pages(tmp_path, capsys):
    volume = np.clip(stack((5, 9, 11), np.float64, seed=1), 0, 255).astype(np.uint8)
    src, dst = tmp_path / "stack.tif", tmp_path / "out" / "smooth.tif"
    write_tiff(src, volume)
    rc, err = cli(capsys, "filter", src, "-k", GAUSS3, "-o", dst)
    assert rc == 0, err
    got = tifffile.imread(dst)
    assert got.shape == volume.shape and got.dtype == np.uint8  # 8-bit pages in, 8-bit pages out
    assert np.abs(got.astype(float) - gaussian3(volume)).max() <= 0.5 + 1e-3  # rounded to the nearest level


def test_tiff_stack_correlated_with_npy_kernel_and_border_modes(tmp_path, capsys):
    volume = stack((6, 8, 9), seed=2)
    kernel = np.random.default_rng(3).uniform(-1, 1, size=(3, 2, 3))
    src, ker = tmp_path / "stack.tif", tmp_path / "k.npy"
    write_tiff(src, volume)
    np.save(ker, kernel)
    for pad_mode, scipy_mode in [("reflect", "mirror"), ("edge", "nearest"), ("symmetric", "reflect")]:
        dst = tmp_path / f"{pad_mode}.tif"
        rc, err = cli(capsys, "filter", src, "-k", ker, "--3d", "--pad-mode", pad_mode, "-q", "-o", dst)
        assert rc == 0, err
        # 'same' with an even kernel pads the odd cell after: SciPy's origin -1 on that axis
        want = ndimage.correlate(volume.astype(np.float64), kernel, mode=scipy_mode, origin=(0, -1, 0))
        assert_allclose(tifffile.imread(dst), want, rtol=1e-5, atol=1e-3)


def test_npy_batch_of_volumes_with_stride_and_padding(tmp_path, capsys):
    volumes = np.stack([stack((6, 7, 8), seed=s) for s in range(2)]).astype(np.float64)  # (m, d, h, w)
    src, dst = tmp_path / "vols.npy", tmp_path / "out.npy"
    np.save(src, volumes)
    rc, err = cli(capsys, "filter", src, "-k", GAUSS3, "--stride", "1x2x2", "--padding", "0x2x2", "-o", dst, "-q")
    assert rc == 0, err
    got = np.load(dst)
    assert got.shape == (2, 2, 4, 4, 1)  # depth valid (no padding), height and width padded 2 and strided 2
    # the padded cells are filled by the border mode (reflect), so the inside of SciPy's 'mirror' result
    assert_allclose(got[..., 0], gaussian3(volumes, axes=(1, 2, 3))[:, 2:-2, ::2, ::2], rtol=1e-10)


def test_zarr_volumes_filtered_chunk_by_chunk(tmp_path, capsys):
    zarr = pytest.importorskip("zarr")
    pytest.importorskip("dask.array")
    volumes = np.stack([stack((8, 10, 12), seed=s) for s in range(2)])  # (m, d, h, w) float32
    src, dst = tmp_path / "vols.zarr", tmp_path / "smooth.zarr"
    stored = zarr.open_array(str(src), mode="w", shape=volumes.shape, chunks=(1, 3, 10, 5), dtype=volumes.dtype)
    stored[...] = volumes
    rc, err = cli(capsys, "filter", src, "--3d", "-k", GAUSS3, "-o", dst, "-q")
    assert rc == 0, err
    got = np.asarray(zarr.open_array(str(dst), mode="r"))
    assert got.shape == volumes.shape
    assert_allclose(got, gaussian3(volumes, axes=(1, 2, 3)), rtol=1e-5, atol=1e-3)


def reshape_max(volume, k=2):
    """2x2x2 max pooling by a reshape: (d, h, w) cut to multiples of ``k``."""
    d, h, w = (n // k * k for n in volume.shape)
    v = volume[:d, :h, :w]
    return v.reshape(d // k, k, h // k, k, w // k, k).max(axis=(1, 3, 5))


def test_pool_tiff_stack_2x2x2(tmp_path, capsys):
    volume = np.random.default_rng(4).integers(0, 256, size=(7, 10, 9), dtype=np.uint8)
    src, dst = tmp_path / "stack.tif", tmp_path / "small.tif"
    write_tiff(src, volume)
    rc, err = cli(capsys, "pool", src, "--3d", "--size", "2", "-o", dst, "-q")
    assert rc == 0, err
    got = tifffile.imread(dst)
    assert got.dtype == np.uint8
    assert_array_equal(got, reshape_max(volume))  # 3 pages of 5x4: depth pooled too


def test_pool_npy_volumes_2x2x2(tmp_path, capsys):
    volumes = np.random.default_rng(5).standard_normal((3, 4, 6, 8, 2))  # (m, d, h, w, c)
    src, dst = tmp_path / "vols.npy", tmp_path / "pooled.npy"
    np.save(src, volumes)
    rc, err = cli(capsys, "pool", src, "--3d", "--size", "2x2x2", "-o", dst, "-q")
    assert rc == 0, err
    want = np.stack([np.stack([reshape_max(v[..., c]) for c in range(2)], -1) for v in volumes])
    assert_array_equal(np.load(dst), want)


def test_without_3d_pages_stay_a_batch_of_images(tmp_path, capsys):
    volume = stack((4, 9, 10), seed=6)
    src, dst = tmp_path / "stack.tif", tmp_path / "out.tif"
    write_tiff(src, volume)
    rc, _ = cli(capsys, "filter", src, "-k", "gaussian:size=5,sigma=1", "-q", "-o", dst)
    assert rc == 0
    want = gaussian3(volume, axes=(1, 2))
    assert_allclose(tifffile.imread(dst), want, rtol=1e-5, atol=1e-3)


def single_page(tmp_path):
    path = tmp_path / "one.tif"
    write_tiff(path, stack((1, 8, 8))[0])
    return path


@pytest.mark.parametrize(
    "argv, words",
    [
        (["filter", "{one}", "-k", GAUSS3], "single-page image, not a volume"),
        (["filter", "{stack}", "-k", "gaussian:size=5,sigma=1", "--3d"], "--3d needs a 3-D kernel"),
        (["filter", "sample:camera", "-k", GAUSS3], "one photo, not a volume"),
        (["pool", "{one}", "--3d", "--size", "2"], "single-page image, not a volume"),
        (["pool", "{stack}", "--size", "2x2x2"], "--size 2x2x2 has 3 axes, the images 2"),
        (["filter", "{stack}", "-k", GAUSS3, "--stride", "2x2"], "--stride 2x2 has 2 axes, the images 3"),
        (["filter", "{stack}", "-k", GAUSS3, "--padding", "1x1"], "--padding gives 2 axes, the images 3"),
    ],
)
def test_bad_combinations_say_one_line_and_write_nothing(tmp_path, capsys, argv, words):
    src = tmp_path / "stack.tif"
    write_tiff(src, stack((3, 8, 8)))
    names = {"one": single_page(tmp_path), "stack": src}
    dst = tmp_path / "out" / "result.tif"
    before = sorted(tmp_path.rglob("*"))
    rc, err = cli(capsys, *[a.format(**names) for a in argv], "-o", dst)
    assert rc == 2
    assert len(err) == 1 and words in err[0], err
    assert sorted(tmp_path.rglob("*")) == before  # nothing written, no folder made


def test_image_outputs_take_one_volume_as_a_tiff(tmp_path, capsys):
    """Two volumes in a .tif, or a volume in a .png, would lose slices: refused, nothing written, exit 1."""
    np.save(tmp_path / "two.npy", np.zeros((2, 3, 4, 4), np.float32))
    write_tiff(tmp_path / "stack.tif", stack((3, 8, 8)))
    for src, dst, words in [
        ("two.npy", "two.tif", "the result holds 2 volumes"),
        ("stack.tif", "stack.png", "the result holds 1 volume;"),
    ]:
        rc, err = cli(capsys, "pool", tmp_path / src, "--3d", "--size", "1", "-o", tmp_path / dst)
        assert rc == 1 and words in err[-1], err
        assert not (tmp_path / dst).exists()
    rc, _ = cli(capsys, "pool", tmp_path / "two.npy", "--3d", "--size", "1", "-o", tmp_path / "one.tif", "-q")
    assert rc == 1
    np.save(tmp_path / "one.npy", stack((3, 8, 8))[None])
    rc, _ = cli(capsys, "pool", tmp_path / "one.npy", "--3d", "--size", "1", "-o", tmp_path / "one.tif", "-q")
    assert rc == 0
    assert_array_equal(tifffile.imread(tmp_path / "one.tif"), stack((3, 8, 8)))  # one volume: one page per slice
