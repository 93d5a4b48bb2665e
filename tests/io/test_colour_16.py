"""16-bit colour kept (issue 24): 48-bit RGB TIFFs through ``filter`` and ``pool`` stay 16 bits a channel.

Inputs are written by tifffile (or by hand, for a PNG), outputs read back by
tifffile and their tags checked by Pillow; expected values come from SciPy's
``ndimage.correlate`` and NumPy's own window maxima, not from convpool.
"""

import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from _cli import run_cli

from convpool import kernels

tifffile = pytest.importorskip("tifffile")
ndimage = pytest.importorskip("scipy.ndimage")
Image = pytest.importorskip("PIL.Image")

ROOT = Path(__file__).resolve().parents[2]


convpool = run_cli


def colour_ramp(h=37, w=29, seed=1) -> np.ndarray:
    """16-bit colour over the full range, each channel its own gradient with noise: no value a multiple of 257."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:h, :w] / max(h, w)
    base = np.stack([y, x, (x + y) / 2], axis=-1) * 60000 + rng.uniform(0, 5000, (h, w, 3))
    return base.astype(np.uint16)


def blurred(image: np.ndarray, spec: str = "box") -> np.ndarray:
    """SciPy's correlation of each channel, the command line's reflect border (SciPy's ``mirror``)."""
    k = kernels.parse(spec)
    return np.stack([ndimage.correlate(image[..., i].astype(float), k, mode="mirror") for i in range(3)], axis=-1)


def as_pixels(values: np.ndarray, white: int) -> np.ndarray:
    return np.clip(np.floor(values + 0.5), 0, white)


def assert_pixels_close(result: np.ndarray, expected: np.ndarray) -> None:
    """float32 work: a pixel may round the other way at an exact .5."""
    assert result.shape == expected.shape
    assert np.abs(result.astype(float) - expected).max() <= 1
    assert np.mean(result != expected) < 0.01


def test_16_bit_colour_tiff_stays_16_bit_through_filter_and_pool(tmp_path):
    image = colour_ramp()
    icc = b"an ICC profile, kept as bytes"  # not a valid profile: only carried, never parsed
    tifffile.imwrite(tmp_path / "in.tif", image, photometric="rgb", extratags=[(34675, 7, len(icc), icc, True)])
    proc = convpool("filter", tmp_path / "in.tif", "-k", "box", "-o", tmp_path / "blur.tif")
    assert "note:" not in proc.stderr
    result = tifffile.imread(tmp_path / "blur.tif")
    with tifffile.TiffFile(tmp_path / "blur.tif") as tif:
        assert tif.pages[0].tags[34675].value == icc
    assert result.dtype == np.uint16
    assert_pixels_close(result, as_pixels(blurred(image), 65535))
    assert np.mean(result % 257 != 0) > 0.9  # not 8-bit values stretched to 16 bits
    with Image.open(tmp_path / "blur.tif") as im:  # a second reader of the tags
        assert im.tag_v2[258] == (16, 16, 16) and im.tag_v2[277] == 3
    convpool("pool", tmp_path / "in.tif", "--size", "2", "-o", tmp_path / "max.tif")
    h, w = (s // 2 * 2 for s in image.shape[:2])
    expected = image[:h, :w].reshape(h // 2, 2, w // 2, 2, 3).max(axis=(1, 3))
    np.testing.assert_array_equal(tifffile.imread(tmp_path / "max.tif"), expected)


def test_16_bit_colour_in_bands_of_rows(tmp_path):
    image = colour_ramp(90, 41, seed=2)
    tifffile.imwrite(tmp_path / "in.tif", image, photometric="rgb")
    env = {**os.environ, "CONVPOOL_BAND_BYTES": "3000", "PYTHONPATH": str(ROOT / "src")}
    spec = "gaussian:size=5,sigma=1"
    convpool("filter", tmp_path / "in.tif", "-k", spec, "-o", tmp_path / "out.tif", env=env)
    assert_pixels_close(tifffile.imread(tmp_path / "out.tif"), as_pixels(blurred(image, spec), 65535))


@pytest.mark.parametrize("suffix", [".jpg", ".bmp"])
def test_16_bit_colour_to_an_8_bit_format_says_so(tmp_path, suffix):
    image = colour_ramp()
    tifffile.imwrite(tmp_path / "in.tif", image, photometric="rgb")
    proc = convpool("filter", tmp_path / "in.tif", "-k", "box", "-o", tmp_path / f"out{suffix}")
    notes = [line for line in proc.stderr.splitlines() if "16-bit colour written as 8 bits a channel" in line]
    assert len(notes) == 1 and ".png keeps them" in notes[0]
    if suffix == ".bmp":
        result = np.array(Image.open(tmp_path / "out.bmp"))
        assert_pixels_close(result, as_pixels(blurred(image) * 255 / 65535, 255))


def _read_png_rgb16(path: Path) -> tuple[np.ndarray, dict[bytes, bytes]]:
    """A 48-bit RGB PNG decoded from the specification (every CRC checked; rows must be unfiltered), and its chunks."""
    data, chunks, idat = path.read_bytes(), {}, b""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length : at + 12 + length])[0] == zlib.crc32(kind + body)
        idat += body if kind == b"IDAT" else b""
        chunks.setdefault(kind, body)
        at += 12 + length
    w, h, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (16, 2)
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + 6 * w)
    assert (rows[:, 0] == 0).all()  # filter type None
    return rows[:, 1:].copy().view(">u2").reshape(h, w, 3).astype(np.uint16), chunks


def test_16_bit_colour_to_png_stays_16_bit(tmp_path):
    image = colour_ramp(70, 33, seed=3)
    icc = b"an ICC profile, kept as bytes"
    tifffile.imwrite(tmp_path / "in.tif", image, photometric="rgb", extratags=[(34675, 7, len(icc), icc, True)])
    proc = convpool("filter", tmp_path / "in.tif", "-k", "box", "-o", tmp_path / "blur.png")
    assert "note:" not in proc.stderr
    result, chunks = _read_png_rgb16(tmp_path / "blur.png")
    assert_pixels_close(result, as_pixels(blurred(image), 65535))
    assert np.mean(result % 257 != 0) > 0.9
    assert zlib.decompress(chunks[b"iCCP"].split(b"\0", 1)[1][1:]) == icc
    with Image.open(tmp_path / "blur.png") as im:  # Pillow: a valid PNG, whose 8-bit view is the high bytes
        assert im.mode == "RGB" and im.info.get("icc_profile") == icc
        np.testing.assert_array_equal(np.array(im), result >> 8)


def _png_rgb16(path: Path, image: np.ndarray) -> None:
    """A 48-bit RGB PNG written by hand (filter type 0 on every row), so that no library under test writes it."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    h, w, _ = image.shape
    rows = b"".join(b"\0" + row.astype(">u2").tobytes() for row in image)
    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    )


def test_16_bit_colour_png_read_as_8_bits_says_so(tmp_path):
    image = colour_ramp()
    _png_rgb16(tmp_path / "in.png", image)
    proc = convpool("pool", tmp_path / "in.png", "--size", "1", "-o", tmp_path / "same.npy")
    assert "16-bit colour read as 8 bits a channel" in proc.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "same.npy")[0], image >> 8)  # Pillow keeps the high bytes


def test_without_tifffile_the_note_names_the_extra(tmp_path):
    image = colour_ramp()
    tifffile.imwrite(tmp_path / "in.tif", image, photometric="rgb")
    code = (
        "import sys; sys.modules['tifffile'] = None\n"  # an import of it fails, as in an environment without it
        "from convpool.cli import main\n"
        f"sys.exit(main(['filter', {str(tmp_path / 'in.tif')!r}, '-k', 'box', '-o', {str(tmp_path / 'out.tif')!r}]))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "16-bit colour read as 8 bits a channel" in proc.stderr
    assert "pip install 'convpool[image]' (tifffile)" in proc.stderr
    with Image.open(tmp_path / "out.tif") as im:
        assert im.mode == "RGB" and im.tag_v2[258] == (8, 8, 8)
