"""The command line on hostile and unlucky input (issue 23): no wrong result exits 0 silently, one line per problem.

Each test runs the real entry point (``python -m convpool``, a subprocess) on
files it writes itself, and checks the exit status, the one line on stderr and
what is (or is not) on disk afterwards, against hand-computed expectations.
Zarr stores and clusters: test_cli_hostile_stores.py; image files as cameras and
scanners write them: test_cli_hostile_files.py.
"""

import subprocess
import sys

import numpy as np
import pytest
from _hostile import DEAD_PID, convpool, error_lines, png
from numpy.testing import assert_array_equal

Image = pytest.importorskip("PIL.Image")


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


def test_a_fifo_among_the_inputs_fails_alone_and_does_not_block(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.png")
    png(tmp_path / "a.png", np.arange(64).reshape(8, 8))
    proc = convpool("pool", "pipe.png", "a.png", "--size", "2", "-o", "outs/", cwd=tmp_path)
    assert proc.returncode == 1
    (line,) = error_lines(proc)
    assert line.startswith("convpool pool: pipe.png: not a regular file")
    assert_array_equal(
        np.array(Image.open(tmp_path / "outs" / "a.png")), [[9, 11, 13, 15]] * 4 + np.arange(4)[:, None] * 16
    )


@pytest.mark.parametrize("option", ["--stride", "--size", "--padding"])
def test_a_size_past_any_image_is_a_usage_error(tmp_path, option):
    png(tmp_path / "a.png", np.zeros((8, 8)))
    extra = [] if option == "--size" else ["--size", "2"]
    proc = convpool("pool", "a.png", *extra, option, str(2**63), "-o", "o.png", cwd=tmp_path)
    assert proc.returncode == 2
    (line,) = error_lines(proc)
    assert f"argument {option}" in line and "2147483647" in line
    assert not (tmp_path / "o.png").exists()


def test_a_file_name_with_a_newline_stays_on_one_line(tmp_path):
    png(tmp_path / "two\nlines.png", np.zeros((8, 8)))
    (tmp_path / "out\nput.png").write_bytes(b"someone else's")
    proc = convpool("pool", "two\nlines.png", "--size", "2", "-o", "out\nput.png", cwd=tmp_path)
    assert proc.returncode == 1
    assert error_lines(proc) == [
        "convpool pool: out\\nput.png exists; pass --force to overwrite it (input two\\nlines.png skipped)"
    ]


def test_demo_kernels_and_explain_into_an_impossible_folder_are_one_line(tmp_path):
    (tmp_path / "file").write_text("a file, not a folder")
    for argv in (
        ["demo", "-o", "file/demo.png"],
        ["kernels", "--gallery", "file/g.png"],
        ["explain", "-o", "file/x.gif"],
    ):
        proc = convpool(*argv, cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        (line,) = error_lines(proc)
        assert line == f"convpool {argv[0]}: error: cannot write {argv[-1]}: Not a directory"


def _bomb_png(path, width=30000, height=30000):
    """A PNG whose header claims 900 megapixels: Pillow refuses it as a decompression bomb."""
    import struct
    import zlib

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    )


def test_explain_on_a_decompression_bomb_is_one_line(tmp_path):
    _bomb_png(tmp_path / "bomb.png")
    proc = convpool("explain", "--input", "bomb.png", "-o", "x.gif", cwd=tmp_path)
    assert proc.returncode == 1
    (line,) = error_lines(proc)
    assert line.startswith("convpool explain: error: ") and "decompression bomb" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.png"]


FULL_DISK = """
import errno, os, sys
import numpy.lib.format as fmt
from PIL import Image

def short_write(fp, *args, **kwargs):  # what NumPy's tofile says when the disk fills up mid-file
    fp.write(b"x" * 100)
    raise OSError("1080000 requested and 130032 written")

def no_space(self, fp, *args, **kwargs):
    open(fp, "wb").write(b"x" * 100)
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

fmt.write_array, Image.Image.save = short_write, no_space
from convpool.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("output", ["full.npy", "full.png"])
def test_a_full_disk_is_one_line_naming_the_output_and_leaves_nothing(tmp_path, output):
    png(tmp_path / "a.png", np.zeros((8, 8)))
    (tmp_path / "b.png").write_bytes((tmp_path / "a.png").read_bytes())
    argv = ["pool", "a.png", "b.png", "--size", "2", "--format", output[-3:], "-o", "outs/"]
    proc = subprocess.run(
        [sys.executable, "-c", FULL_DISK, *argv], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = error_lines(proc)
    assert len(lines) == 2  # one per input: the second input was still tried
    for line, name in zip(lines, "ab", strict=True):
        assert line.startswith(f"convpool pool: {name}.png: cannot write outs/{name}.{output[-3:]}: ")
        assert "requested and" not in line
    assert not (tmp_path / "outs").exists()  # no partial file, no hidden temporary, no empty folder


def _lying_npy(shape) -> bytes:
    """A .npy header claiming ``shape`` float64, followed by a few bytes only."""
    import io

    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return header.getvalue() + bytes(64)


def test_an_npz_claiming_terabytes_is_refused_before_reading_naming_file_and_size(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "bomb.npz", "w", zipfile.ZIP_DEFLATED) as npz:
        npz.writestr("fine.npy", _lying_npy((2, 4, 4)))
        npz.writestr("huge.npy", _lying_npy((2**20, 2**20)))  # 8 TiB once read
    (tmp_path / "huge.npy").write_bytes(_lying_npy((2**40,)))
    png(tmp_path / "ok.png", np.zeros((4, 4)))
    proc = convpool("pool", "bomb.npz", "huge.npy", "ok.png", "--size", "2", "-o", "outs/", "-q", cwd=tmp_path)
    assert proc.returncode == 1
    npz_line, npy_line = error_lines(proc)
    assert npz_line.startswith(
        "convpool pool: bomb.npz: cannot read it: array 'huge' is 8.0 TiB once read (1048576x1048576 float64), "
        "more than the "
    )
    assert npy_line.startswith(
        "convpool pool: huge.npy: cannot read it: the array is 8.0 TiB once read (1099511627776 float64), "
        "more than the "
    )
    assert npz_line.endswith(" free") and npy_line.endswith(" free")
    assert sorted(p.name for p in (tmp_path / "outs").iterdir()) == ["ok.png"]


def test_a_large_image_warning_of_pillow_never_reaches_stderr(tmp_path):
    _bomb_png(tmp_path / "large.png", 10000, 10000)  # 100 megapixels: Pillow warns, then the empty data fails
    proc = convpool("pool", "large.png", "--size", "2", "-o", "o.png", cwd=tmp_path)
    assert proc.returncode == 1
    (line,) = error_lines(proc)
    assert line.startswith("convpool pool: large.png: cannot read it: ")


def test_a_npy_kernel_claiming_terabytes_is_refused_before_loading(tmp_path):
    (tmp_path / "k.npy").write_bytes(_lying_npy((2**20, 2**20)))
    proc = convpool("filter", "sample:camera", "-k", "k.npy", "-o", "o.png", cwd=tmp_path)
    assert proc.returncode == 2
    (line,) = error_lines(proc)
    assert line.startswith("convpool filter: error: -k k.npy: k.npy: the array is 8.0 TiB once read")


def test_a_users_file_named_like_a_temporary_file_is_never_deleted(tmp_path):
    png(tmp_path / "a.png", np.zeros((4, 4)))
    users = tmp_path / f".out.png.convpool-{DEAD_PID}-abcdefgh.tmp"
    users.write_text("mine")
    proc = convpool("pool", "a.png", "--size", "2", "-o", "out.png", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert users.read_text() == "mine"
