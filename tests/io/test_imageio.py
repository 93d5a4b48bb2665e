"""Image and batch files: Pillow round trips, rescaling, and atomic writes that never leave partial files."""

import os
import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from convpool.io import files as _files
from convpool.io import images as imageio
from convpool.io import pixels

Image = pytest.importorskip("PIL.Image")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(5)


def test_read_gray_and_rgb_png(tmp_path, rng):
    gray = rng.integers(0, 256, size=(7, 9), dtype=np.uint8)
    rgb = rng.integers(0, 256, size=(5, 6, 3), dtype=np.uint8)
    Image.fromarray(gray).save(tmp_path / "g.png")
    Image.fromarray(rgb).save(tmp_path / "c.bmp")
    assert_array_equal(imageio.read_image(tmp_path / "g.png"), gray)
    assert_array_equal(imageio.read_batch(tmp_path / "g.png")[""], gray[None, :, :, None])
    assert_array_equal(imageio.read_batch(tmp_path / "c.bmp")[""], rgb[None])


def test_alpha_and_palette_become_rgb(tmp_path, rng):
    rgba = rng.integers(0, 256, size=(4, 5, 4), dtype=np.uint8)
    Image.fromarray(rgba).save(tmp_path / "a.png")
    assert_array_equal(imageio.read_image(tmp_path / "a.png"), rgba[..., :3])
    rgb = np.zeros((3, 3, 3), np.uint8)
    rgb[1, 1] = (200, 10, 30)
    Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=4).save(tmp_path / "p.png")
    assert_array_equal(imageio.read_image(tmp_path / "p.png"), rgb)


@pytest.mark.parametrize(
    ("shape", "batch_shape"),
    [((4, 5), (1, 4, 5, 1)), ((2, 4, 5), (2, 4, 5, 1)), ((2, 4, 5, 3), (2, 4, 5, 3))],
)
def test_npy_batches(tmp_path, shape, batch_shape):
    array = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    np.save(tmp_path / "x.npy", array)
    batch = imageio.read_batch(tmp_path / "x.npy")[""]
    assert batch.shape == batch_shape
    assert_array_equal(batch.reshape(shape), array)


def test_npz_keeps_names(tmp_path):
    np.savez(tmp_path / "x.npz", first=np.ones((2, 3, 3)), second=np.zeros((1, 4, 4, 2)))
    batches = imageio.read_batch(tmp_path / "x.npz")
    assert {k: v.shape for k, v in batches.items()} == {"first": (2, 3, 3, 1), "second": (1, 4, 4, 2)}


def test_bad_files_raise_errors_naming_them(tmp_path):
    np.save(tmp_path / "five.npy", np.ones((1, 1, 1, 1, 1)))
    with pytest.raises(ValueError, match=r"five.npy: a batch must be 2-D .* got shape \(1, 1, 1, 1, 1\)"):
        imageio.read_batch(tmp_path / "five.npy")
    np.save(tmp_path / "text.npy", np.array(["a", "b"]))
    with pytest.raises(ValueError, match="text.npy: holds <U1 values"):
        imageio.read_batch(tmp_path / "text.npy")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(OSError):
        imageio.read_batch(tmp_path / "broken.png")
    with pytest.raises(ValueError, match=r"unknown file type '.gif'; accepted: .png"):
        imageio.read_batch(tmp_path / "x.gif")


def test_to_pixels_hand_written():
    x = np.array([[-3.0, 0.49, 0.5, 127.5, 254.6, 900.0]])
    assert_array_equal(imageio.to_pixels(x, "clip"), [[0, 0, 1, 128, 255, 255]])
    y = np.array([[10.0, 20.0, 30.0, 50.0]])  # (y - 10) * 255 / 40
    assert_array_equal(imageio.to_pixels(y, "minmax"), [[0, 64, 128, 255]])
    z = np.array([[-4.0, 1.0, 0.0, 2.0]])  # |z| * 255 / 4
    assert_array_equal(imageio.to_pixels(z, "abs"), [[255, 64, 0, 128]])
    flat = np.full((2, 2), 7.0)
    assert_array_equal(imageio.to_pixels(flat, "minmax"), 0)
    assert_array_equal(imageio.to_pixels(np.zeros((2, 2)), "abs"), 0)
    with pytest.raises(ValueError, match="rescale must be one of 'clip', 'minmax', 'abs'"):
        imageio.to_pixels(x, "gamma")


def test_to_pixels_scales_colour_channels_together():
    x = np.zeros((1, 2, 3))
    x[0, 0] = (0.0, 20.0, 100.0)
    assert_array_equal(imageio.to_pixels(x, "minmax")[0, 0], [0, 51, 255])
    assert_array_equal(imageio.to_pixels(x, "minmax")[0, 1], [0, 0, 0])


def test_write_image_round_trip_and_refusal(tmp_path):
    values = np.array([[0.0, 100.2], [255.7, -5.0]])
    path = imageio.write_image(tmp_path / "x.png", values)
    assert_array_equal(np.array(Image.open(path)), [[0, 100], [255, 0]])
    with pytest.raises(FileExistsError, match="x.png exists; pass --force"):
        imageio.write_image(tmp_path / "x.png", values)
    imageio.write_image(tmp_path / "x.png", np.full((2, 2, 1), 9, np.uint8), force=True)
    assert_array_equal(np.array(Image.open(path)), np.full((2, 2), 9))
    with pytest.raises(ValueError, match="1, 3 or 4 channels"):
        imageio.write_image(tmp_path / "y.png", np.zeros((2, 2, 2)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.png"]


def test_write_array_keeps_raw_values(tmp_path):
    values = np.array([[1.25, -3.5]], dtype=np.float32)
    imageio.write_array(tmp_path / "v.npy", values)
    loaded = np.load(tmp_path / "v.npy")
    assert loaded.dtype == np.float32
    assert_array_equal(loaded, values)
    imageio.write_array(tmp_path / "v.npz", {"a": values, "b": values * 2})
    with np.load(tmp_path / "v.npz") as npz:
        assert_array_equal(npz["b"], values * 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.npy", "v.npz"]


def test_failed_write_leaves_old_file_and_no_temp(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")

    def half_then_fail(tmp):
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        _files.atomic_write(target, half_then_fail, force=True)
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]


def test_temp_files_are_hidden_and_named_for_their_target(tmp_path):
    seen = []
    _files.atomic_write(tmp_path / "r.npy", lambda tmp: seen.append(tmp.name) or tmp.write_bytes(b"x"))
    (name,) = seen
    assert name.startswith(f".r.npy.convpool-{os.getpid()}-") and name.endswith(".tmp")


def test_stale_temps_of_dead_writers_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".r.npy.convpool-{dead_pid}-abc.tmp"
    live = tmp_path / f".r.npy.convpool-{os.getpid()}-abc.tmp"
    other = tmp_path / f".q.npy.convpool-{dead_pid}-abc.tmp"
    users = tmp_path / f".r.npy.convpool-{dead_pid}-mine.tmp"  # the pattern, but not convpool's: no mark
    for p in (stale, live, other, users):
        p.write_bytes(b"partial")
    for p in (stale, live, other):
        try:  # as atomic_write marks its temporary files
            os.setxattr(p, _files.TEMP_XATTR, b"temporary")
        except OSError:
            pytest.skip("this file system keeps no user attributes: stale files are never removed here")
    assert _files.remove_stale_temps(tmp_path / "r.npy") == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name, users.name])


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".tif", ".tiff", ".jpg", ".jpeg"])
def test_every_image_suffix_round_trips(tmp_path, suffix):
    image = np.zeros((16, 16, 3), np.uint8)
    image[4:12, 4:12] = (250, 20, 120)
    imageio.write_image(tmp_path / f"x{suffix}", image)
    back = imageio.read_image(tmp_path / f"x{suffix}")
    assert back.shape == image.shape
    error = np.abs(back.astype(int) - image)
    if suffix in (".jpg", ".jpeg"):  # lossy, and colour edges are blurred: compare on average
        assert error.mean() < 8
    else:
        assert error.max() == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"x{suffix}"]


def test_a_file_created_during_the_write_is_not_replaced(tmp_path):
    from convpool.io.files import atomic_write

    target = tmp_path / "out.npy"

    def write(tmp):
        target.write_bytes(b"someone else's")  # appears after the existence check, before the rename
        tmp.write_bytes(b"ours")

    with pytest.raises(FileExistsError, match="exists"):
        atomic_write(target, write)
    assert target.read_bytes() == b"someone else's"
    assert [p.name for p in tmp_path.iterdir()] == ["out.npy"]
    atomic_write(target, lambda tmp: tmp.write_bytes(b"ours"), force=True)
    assert target.read_bytes() == b"ours"


def test_to_pixels_in_bands_and_16_bit(monkeypatch, rng):
    x = rng.normal(0, 300, size=(13, 11, 3))
    monkeypatch.setattr(pixels, "_BAND_ELEMENTS", 7)  # many bands of one row
    top = np.abs(x).max()
    assert_array_equal(imageio.to_pixels(x, "abs"), np.floor(np.abs(x) * 255 / top + 0.5))
    expected = np.floor((x - x.min()) * 65535 / (x.max() - x.min()) + 0.5)
    assert_array_equal(imageio.to_pixels(x, "minmax", np.uint16), expected)
    # a scale taken from a larger image than the piece converted
    assert_array_equal(
        imageio.to_pixels(x[:2], "abs", scale=(0.0, 1.0)), np.clip(np.floor(np.abs(x[:2]) + 0.5), 0, 255)
    )
    with pytest.raises(ValueError, match="dtype must be uint8 or uint16"):
        imageio.to_pixels(x, "clip", np.int32)


def test_read_picture_and_write_image_keep_depth_and_alpha(tmp_path, rng):
    sixteen = rng.integers(0, 65536, size=(6, 7), dtype=np.uint16)
    imageio.write_image(tmp_path / "s.png", sixteen, dtype=np.uint16)
    assert_array_equal(imageio.read_picture(tmp_path / "s.png").pixels, sixteen)
    floats = rng.normal(size=(6, 7)).astype(np.float32)
    imageio.write_image(tmp_path / "f.tif", floats, dtype=np.float32)
    assert_array_equal(imageio.read_image(tmp_path / "f.tif"), floats)
    with pytest.raises(ValueError, match="PNG cannot store float32"):
        imageio.write_image(tmp_path / "f.png", floats, dtype=np.float32)
    rgb, alpha = rng.integers(0, 256, size=(6, 7, 3), dtype=np.uint8), rng.integers(0, 256, (6, 7), dtype=np.uint8)
    imageio.write_image(tmp_path / "a.png", rgb, alpha=alpha)
    picture = imageio.read_picture(tmp_path / "a.png")
    assert_array_equal(picture.pixels, rgb)
    assert_array_equal(picture.alpha, alpha)
