"""The command line on photos as they really are (issue 9), end to end through ``python -m convpool``.

16-bit and 32-bit files, EXIF-rotated JPEGs, transparent PNGs, corrupt files,
folders and globs among the inputs, outputs that cannot be written. Every
expected value comes from the naive reference loops (``_reference``), from
Pillow's own reading of the input, or is written out by hand.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _cli import run_cli
from _reference import conv_ref, pool_ref
from numpy.testing import assert_allclose, assert_array_equal

from convpool import __version__ as cp_version
from convpool import data, kernels

Image = pytest.importorskip("PIL.Image")

ROOT = Path(__file__).resolve().parents[2]
BOX = np.full((3, 3), 1 / 9)


def convpool(*args, cwd=None, env=None, check_rc=None):
    """Run the console script (:func:`_cli.run_cli`); no exit status asked unless ``check_rc``."""
    return run_cli(*args, check_rc=check_rc, env=env, cwd=cwd)


def filtered(image, kernel=BOX, padding="same", pad_mode="reflect"):
    """conv_ref of a 2-D image with a 2-D kernel -> (h', w') float64; the border of ``convpool filter``'s default."""
    x = image[None, :, :, None].astype(np.float64)
    return conv_ref(x, kernel[:, :, None, None], padding=padding, pad_mode=pad_mode)[0, :, :, 0]


def ramp(shape, top, dtype, seed=0):
    """A gradient with noise from 0 to about ``top``: no two neighbours equal, not saturating under a box."""
    rng = np.random.default_rng(seed)
    h, w = shape
    base = np.add.outer(np.arange(h) * w, np.arange(w)) / (h * w) * top * 0.9
    return (base + rng.uniform(0, top * 0.1, size=shape)).astype(dtype)


# --- bit depth -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_16_bit_in_gives_16_bit_out(tmp_path, suffix):
    image = ramp((20, 30), 65535, np.uint16)
    Image.fromarray(image).save(tmp_path / f"sixteen{suffix}")
    assert Image.open(tmp_path / f"sixteen{suffix}").mode == "I;16"
    convpool("filter", tmp_path / f"sixteen{suffix}", "-k", "box", "-o", tmp_path / f"out{suffix}", check_rc=0)
    with Image.open(tmp_path / f"out{suffix}") as out:
        assert out.mode == "I;16"
        result = np.array(out)
    expected = np.clip(np.floor(filtered(image) + 0.5), 0, 65535)
    assert_array_equal(result, expected)
    assert (result == 65535).mean() < 0.01  # today: every pixel 255 of 255
    convpool("pool", tmp_path / f"sixteen{suffix}", "--size", "2", "-o", tmp_path / f"max{suffix}", check_rc=0)
    expected = pool_ref(image[None, :, :, None], (2, 2), (2, 2), "max")[0, :, :, 0]
    assert_array_equal(np.array(Image.open(tmp_path / f"max{suffix}")), expected)


def test_16_bit_to_jpeg_is_scaled_to_8_bit_with_a_notice(tmp_path):
    image = ramp((20, 30), 65535, np.uint16)
    Image.fromarray(image).save(tmp_path / "sixteen.png")
    proc = convpool("filter", tmp_path / "sixteen.png", "-k", "box", "-o", tmp_path / "out.bmp", check_rc=0)
    notes = [line for line in proc.stderr.splitlines() if "16-bit input written as 8-bit" in line]
    assert len(notes) == 1 and "out.bmp" in notes[0]
    expected = np.clip(np.floor(filtered(image) * 255 / 65535 + 0.5), 0, 255)
    assert_array_equal(np.array(Image.open(tmp_path / "out.bmp")), expected)


def test_32_bit_tiffs_keep_their_values(tmp_path):
    ints = ramp((12, 16), 2_000_000, np.int32)
    floats = ramp((12, 16), 3.0, np.float32, seed=1) - 1.5
    Image.fromarray(ints).save(tmp_path / "ints.tif")
    Image.fromarray(floats).save(tmp_path / "floats.tif")
    for name, image in (("ints", ints), ("floats", floats)):
        convpool("filter", tmp_path / f"{name}.tif", "-k", "box", "-o", tmp_path / f"{name}-box.tif", check_rc=0)
        with Image.open(tmp_path / f"{name}-box.tif") as out:
            assert out.mode == "F"
            assert_allclose(np.array(out), filtered(image), rtol=1e-6, atol=1e-6)
    convpool("pool", tmp_path / "ints.tif", "--size", "2", "--mode", "min", "-o", tmp_path / "min.tif", check_rc=0)
    with Image.open(tmp_path / "min.tif") as out:
        assert out.mode == "I"
        assert_array_equal(np.array(out), pool_ref(ints[None, :, :, None], (2, 2), (2, 2), "min")[0, :, :, 0])
    proc = convpool("filter", tmp_path / "ints.tif", "-k", "box", "-o", tmp_path / "ints.png", check_rc=0)
    assert "32-bit input written as 8-bit" in proc.stderr
    box = filtered(ints)  # auto: stretched min..max, not clipped at 255
    expected = np.floor((box - box.min()) * 255 / (box.max() - box.min()) + 0.5)
    assert_array_equal(np.array(Image.open(tmp_path / "ints.png")), expected)


# --- bad inputs fail alone ------------------------------------------------------------------------------


def test_one_bad_input_never_stops_the_others(tmp_path):
    photos = tmp_path / "my photos"
    photos.mkdir()
    good = data.photo("camera")[:24, :32]
    Image.fromarray(good).save(photos / "good.png")
    (photos / "notes.txt").write_text("not an image")
    (photos / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(200)))
    (photos / "album").mkdir()
    bad = [photos / "notes.txt", photos / "corrupt.png", photos / "album", tmp_path / "none" / "*.jpg"]
    proc = convpool("filter", photos / "good.png", *bad, "-k", "box", "-o", tmp_path / "out", check_rc=1)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == len(bad), lines
    for path, line in zip(bad, lines, strict=True):
        assert line.count(str(path)) == 1 and line.count(path.name) == 1, line
    assert "matches no file" in lines[3] and "is a folder" in lines[2] and "not an image" in lines[1]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good.png"]
    expected = np.clip(np.floor(filtered(good) + 0.5), 0, 255)
    assert_array_equal(np.array(Image.open(tmp_path / "out" / "good.png")), expected)


def test_nothing_written_leaves_no_output_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("text")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    proc = convpool(
        "filter",
        tmp_path / "notes.txt",
        tmp_path / "broken.jpg",
        "-k",
        "box",
        "-o",
        f"{tmp_path / 'a' / 'b'}/",
        check_rc=1,
    )
    assert len(proc.stderr.strip().splitlines()) == 2
    assert not (tmp_path / "a").exists()


def test_uncreatable_output_folder_is_one_line_per_input(tmp_path):
    Image.fromarray(data.photo("camera")[:8, :8]).save(tmp_path / "in.png")
    (tmp_path / "blocker").write_text("a file where a folder should go")
    proc = convpool("filter", tmp_path / "in.png", "-k", "box", "-o", f"{tmp_path / 'blocker' / 'out'}/", check_rc=1)
    (line,) = proc.stderr.strip().splitlines()
    assert "cannot create the output folder" in line and str(tmp_path / "blocker" / "out") in line


def test_unwritable_output_names_the_output_not_the_temp_file(tmp_path):
    """PermissionError from the temporary file (what a read-only folder gives a normal user), injected."""
    Image.fromarray(data.photo("camera")[:8, :8]).save(tmp_path / "in.png")
    script = (
        "import sys, tempfile\n"
        "def refuse(*args, dir=None, prefix='', suffix='', **kw):\n"
        "    raise PermissionError(13, 'Permission denied', f'{dir}/{prefix}x{suffix}')\n"
        "tempfile.mkstemp = refuse\n"
        "from convpool.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    args = ["filter", tmp_path / "in.png", "-k", "box", "-o", tmp_path / "out.png"]
    proc = subprocess.run([sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert f"cannot write {tmp_path / 'out.png'}: Permission denied" in line and ".tmp" not in line


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder(tmp_path):
    Image.fromarray(data.photo("camera")[:8, :8]).save(tmp_path / "in.png")
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o555)
    try:
        proc = convpool("filter", tmp_path / "in.png", "-k", "box", "-o", tmp_path / "ro" / "out.png", check_rc=1)
    finally:
        (tmp_path / "ro").chmod(0o755)
    assert f"cannot write {tmp_path / 'ro' / 'out.png'}" in proc.stderr and ".tmp" not in proc.stderr


def test_several_inputs_and_one_output_file_are_refused(tmp_path):
    for name in ("a", "b"):
        Image.fromarray(data.photo("camera")[:8, :8]).save(tmp_path / f"{name}.png")
    proc = convpool("filter", tmp_path / "a.png", tmp_path / "b.png", "-k", "box", "-o", tmp_path / "single.png")
    assert proc.returncode == 2 and "2 inputs need an output folder" in proc.stderr
    assert not (tmp_path / "single.png").exists()


def test_name_clash_says_which_inputs_and_which_output(tmp_path):
    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
        Image.fromarray(data.photo("camera")[:8, :8]).save(tmp_path / folder / "photo.png")
    one, two = tmp_path / "x" / "photo.png", tmp_path / "y" / "photo.png"
    proc = convpool("filter", one, two, "-k", "box", "-o", f"{tmp_path / 'out'}/", check_rc=2)
    assert str(one) in proc.stderr and str(two) in proc.stderr and str(tmp_path / "out" / "photo.png") in proc.stderr
    assert not (tmp_path / "out").exists()


# --- what `auto` rescaling looks at --------------------------------------------------------------------


def test_rescale_auto_looks_at_the_summed_channels(tmp_path):
    chelsea = data.photo("chelsea")[30:90, 40:120]
    Image.fromarray(chelsea).save(tmp_path / "c.png")
    convpool("filter", tmp_path / "c.png", "-k", "spec_sharpen", "-o", tmp_path / "s.png", check_rc=0)
    result = np.array(Image.open(tmp_path / "s.png"))
    assert (result == 255).mean() < 0.02  # today 54-60 % saturated
    summed = conv_ref(
        chelsea[None].astype(float), kernels.spec_sharpen()[..., None], padding="same", pad_mode="reflect"
    )[0, :, :, 0]
    assert_array_equal(result, np.floor(np.abs(summed) * 255 / np.abs(summed).max() + 0.5))
    convpool("filter", tmp_path / "c.png", "-k", "box", "--sum-channels", "-o", tmp_path / "b.png", check_rc=0)
    assert (np.array(Image.open(tmp_path / "b.png")) == 255).mean() < 0.02


# --- orientation, alpha, metadata ----------------------------------------------------------------------


def _rotated_jpeg(path):
    """A 24x40 JPEG with EXIF Orientation 6 (shown turned 90 degrees clockwise), a Make tag and an ICC profile."""
    from PIL import ImageCms

    image = ramp((24, 40), 255, np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "convpool test camera"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(image).convert("RGB").save(path, exif=exif.tobytes(), icc_profile=icc, quality=90)
    return icc


def test_exif_orientation_is_applied_and_metadata_kept(tmp_path):
    icc = _rotated_jpeg(tmp_path / "rot.jpg")
    stored = np.array(Image.open(tmp_path / "rot.jpg"))  # Pillow's decoding, as stored (24x40)
    upright = np.rot90(stored, k=-1)  # orientation 6: turn 90 degrees clockwise
    convpool("filter", tmp_path / "rot.jpg", "-k", "identity", "-o", tmp_path / "up.npy", check_rc=0)
    assert_array_equal(np.load(tmp_path / "up.npy")[0], upright)
    convpool("filter", tmp_path / "rot.jpg", "-k", "identity", "-o", tmp_path / "up.jpg", check_rc=0)
    with Image.open(tmp_path / "up.jpg") as out:
        assert out.size == (24, 40)  # (width, height): upright
        assert out.getexif().get(0x0112, 1) == 1 and out.getexif()[0x010F] == "convpool test camera"
        assert out.info.get("icc_profile") == icc
        reference = tmp_path / "q95.jpg"
        Image.fromarray(upright).save(reference, quality=95)
        assert out.quantization == Image.open(reference).quantization  # --quality default 95
    convpool(
        "filter", tmp_path / "rot.jpg", "-k", "identity", "--quality", "50", "-o", tmp_path / "q50.jpg", check_rc=0
    )
    Image.fromarray(upright).save(tmp_path / "ref50.jpg", quality=50)
    assert Image.open(tmp_path / "q50.jpg").quantization == Image.open(tmp_path / "ref50.jpg").quantization


def test_alpha_is_kept_untouched(tmp_path):
    rgb = data.photo("chelsea")[20:52, 30:70]
    alpha = ramp((32, 40), 255, np.uint8, seed=3)
    Image.fromarray(np.dstack([rgb, alpha])).save(tmp_path / "t.png")
    convpool("filter", tmp_path / "t.png", "-k", "box", "-o", tmp_path / "box.png", check_rc=0)
    with Image.open(tmp_path / "box.png") as out:
        assert out.mode == "RGBA"
        result = np.array(out)
    assert_array_equal(result[..., 3], alpha)
    colour = conv_ref(
        rgb[None].astype(float).transpose(3, 1, 2, 0), BOX[:, :, None, None], padding="same", pad_mode="reflect"
    )
    assert_array_equal(result[..., :3], np.clip(np.floor(colour[..., 0].transpose(1, 2, 0) + 0.5), 0, 255))
    convpool("pool", tmp_path / "t.png", "--size", "2", "--mode", "avg", "-o", tmp_path / "small.png", check_rc=0)
    pooled = pool_ref(alpha[None, :, :, None].astype(float), (2, 2), (2, 2), "avg")[0, :, :, 0]
    assert_array_equal(np.array(Image.open(tmp_path / "small.png"))[..., 3], pooled.astype(np.uint8))
    proc = convpool("filter", tmp_path / "t.png", "-k", "box", "-o", tmp_path / "box.jpg", check_rc=0)
    assert "alpha dropped: JPEG has no alpha channel" in proc.stderr
    proc = convpool(
        "filter", tmp_path / "t.png", "-k", "box", "--alpha", "drop", "-o", tmp_path / "rgb.png", check_rc=0
    )
    assert Image.open(tmp_path / "rgb.png").mode == "RGB" and proc.stderr == ""


# --- the smaller items ---------------------------------------------------------------------------------


def test_demo_checks_matplotlib_before_running_the_tasks(tmp_path):
    blocker = tmp_path / "no-mpl" / "matplotlib"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('matplotlib is hidden for this test')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocker.parent), str(ROOT / "src")])}
    proc = convpool("demo", "-o", tmp_path / "d.png", env=env, check_rc=2)
    assert "pip install 'convpool[plot]'" in proc.stderr and proc.stdout == ""
    proc = convpool("demo", "--no-figure", env=env, check_rc=0)
    assert "6-pool" in proc.stdout


def test_kernels_show_each_channel_as_a_matrix():
    out = convpool("kernels", "spec_sharpen", check_rc=0).stdout
    sharpen = kernels.spec_sharpen()
    for c in range(3):
        block = out.split(f"input channel {c}:\n")[1].split("input channel")[0]
        numbers = [float(v) for v in block.replace("[", " ").replace("]", " ").split()]
        assert_array_equal(np.reshape(numbers, (3, 3)), sharpen[:, :, c])
    listing = convpool("kernels", check_rc=0).stdout + convpool("kernels", "spec_kernels", check_rc=0).stdout
    assert ":func:" not in listing and "``" not in listing
    assert "input channel 2, output channel 2:" in listing


def test_help_and_option_errors_are_honest():
    text = convpool("shape", "--help", check_rc=0).stdout  # it only prints: no file can fail
    assert "exit status:" in text and "\n  1   " not in text
    for command in ("filter", "explain", "kernels"):  # an output can fail (unwritable, disk full): exit 1
        assert "\n  1   " in convpool(command, "--help", check_rc=0).stdout
    for option, value in (("--padding", "lots"), ("--stride", "0")):
        proc = convpool("shape", "--input", "5", "--kernel", "3", option, value, check_rc=2)
        assert proc.stderr.count("\n") == 1 and "usage:" not in proc.stderr and option in proc.stderr
    assert convpool("--version", check_rc=0).stdout.strip() == f"convpool {cp_version}"


def test_torch_tensor_that_requires_grad_is_a_type_error():
    torch = pytest.importorskip("torch")
    import convpool as cp

    images = torch.ones((1, 5, 5, 1), requires_grad=True)
    with pytest.raises(TypeError, match=r"images is a torch tensor with requires_grad=True.*images\.detach\(\)"):
        cp.convolve(images, np.ones((3, 3, 1, 1)))
    with pytest.raises(TypeError, match=r"kernels .*kernels\.detach\(\)"):
        cp.convolve(np.ones((1, 5, 5, 1)), torch.ones((3, 3, 1, 1), requires_grad=True))
    assert_allclose(cp.convolve(images.detach(), np.ones((3, 3, 1, 1)))[0, 1, 1, 0], 9.0)


def test_license_is_an_spdx_expression():
    """setuptools >= 77 reads ``license = "MIT"`` without the deprecation table every install printed."""
    project = pytest.importorskip("tomllib").loads((ROOT / "pyproject.toml").read_text())  # Python 3.11+
    assert project["project"]["license"] == "MIT"
    assert "setuptools>=77" in project["build-system"]["requires"]


# --- large images: band by band ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        ["-k", "gaussian:size=5,sigma=1", "--pad-mode", "reflect"],
        ["-k", "sobel_x", "--pad-mode", "symmetric", "--stride", "2x1"],
        ["-k", "box:size=5", "--pad-mode", "edge", "--dilation", "2", "--padding", "full"],
        ["-k", "laplacian", "--rescale", "minmax", "--padding", "0,3x1,0"],
        ["-k", "sharpen", "--pad-mode", "wrap"],
        ["-k", "box:size=5", "--pad-mode", "reflect", "--padding", "full"],  # a last band shorter than its padding
    ],
)
def test_bands_of_rows_give_the_whole_image_result(tmp_path, options):
    """Tiny bands (CONVPOOL_BAND_BYTES) on a small photo: the same pixels as the reference on the whole image."""
    chelsea = data.photo("chelsea")[:61, :47]
    Image.fromarray(chelsea).save(tmp_path / "c.png")
    env = {**os.environ, "CONVPOOL_BAND_BYTES": "2000", "PYTHONPATH": str(ROOT / "src")}
    convpool("filter", tmp_path / "c.png", *options, "-o", tmp_path / "out.png", env=env, check_rc=0)
    opts = dict(zip(options[::2], options[1::2], strict=True))
    kernel = kernels.parse(opts["-k"])
    pad = opts.get("--padding", "same")
    pad = ((0, 3), (1, 0)) if pad == "0,3x1,0" else pad
    stride = tuple(int(v) for v in opts.get("--stride", "1x1").split("x"))
    x = chelsea[None].astype(float).transpose(3, 1, 2, 0)  # each channel an image of its own
    ref = conv_ref(
        x, kernel[:, :, None, None], pad, stride, int(opts.get("--dilation", 1)), opts.get("--pad-mode", "reflect")
    )
    ref = ref[..., 0].transpose(1, 2, 0)
    mode = opts.get("--rescale", "clip" if np.isclose(kernel.sum(), 1) else "abs")
    if mode == "abs":
        ref = np.abs(ref) * 255 / np.abs(ref).max()
    elif mode == "minmax":
        ref = (ref - ref.min()) * 255 / (ref.max() - ref.min())
    result = np.array(Image.open(tmp_path / "out.png")).astype(float)
    assert result.shape == ref.shape
    # float32 work: a pixel may round the other way at an exact .5
    assert np.abs(result - np.clip(np.floor(ref + 0.5), 0, 255)).max() <= 1
    assert np.mean(result != np.clip(np.floor(ref + 0.5), 0, 255)) < 0.001


def test_dtype_of_npy_outputs(tmp_path):
    rng = np.random.default_rng(4)
    batch = rng.normal(size=(2, 9, 8, 3)).astype(np.float32)
    np.save(tmp_path / "f32.npy", batch)
    np.save(tmp_path / "u8.npy", (batch * 40 + 128).clip(0, 255).astype(np.uint8))
    sharpen = kernels.spec_sharpen()[..., None]
    for name, dtype_option, expected in (("f32", [], np.float32), ("f32", ["--dtype", "float64"], np.float64)):
        out = tmp_path / f"{name}-{expected.__name__}.npy"
        convpool("filter", tmp_path / f"{name}.npy", "-k", "spec_sharpen", *dtype_option, "-o", out, check_rc=0)
        result = np.load(out)
        assert result.dtype == expected
        assert_allclose(result, conv_ref(batch, sharpen, pad_mode="reflect"), rtol=1e-5, atol=1e-5)
    convpool("filter", tmp_path / "u8.npy", "-k", "box", "-o", tmp_path / "u8-out.npy", check_rc=0)
    assert np.load(tmp_path / "u8-out.npy").dtype == np.float64  # integer arrays: every digit kept
    convpool("filter", tmp_path / "u8.npy", "-k", "box", "--dtype", "float32", "-o", tmp_path / "u8-32.npy", check_rc=0)
    assert np.load(tmp_path / "u8-32.npy").dtype == np.float32
